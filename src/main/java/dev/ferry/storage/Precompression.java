package dev.ferry.storage;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gzip and brotli variants of text files, made once at publish time so the edge never compresses per request.
 * A variant is kept only when it saves at least a tenth of the bytes.
 */
public final class Precompression {

  /** Smaller files gain too little to be worth a second request-time lookup. */
  public static final long MIN_SIZE = 1024;
  /** Larger files are left uncompressed rather than held in memory whole during the publish. */
  public static final long MAX_SIZE = 32L << 20;
  /** Brotli's best quality is slow (about 1 MB/s); above this size a faster quality is used. */
  static final long BEST_BROTLI_QUALITY_MAX_SIZE = 1L << 20;

  private static final Logger log = LoggerFactory.getLogger(Precompression.class);
  private static final boolean BROTLI_AVAILABLE = loadBrotli();

  private Precompression() {}

  /** Whether the file at this path, of this size, should get variants. */
  public static boolean worthCompressing(String path, long size) {
    return size > MIN_SIZE && size <= MAX_SIZE && ContentTypes.isCompressible(path);
  }

  /** Whether this node can make brotli variants (the native encoder loaded). */
  public static boolean brotliAvailable() {
    return BROTLI_AVAILABLE;
  }

  /** Gzip at level 9; empty when it does not save 10%. The output carries no timestamp, so it is deterministic. */
  public static Optional<byte[]> gzip(byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length / 3 + 64);
    try (GZIPOutputStream gzip = new BestGzipOutputStream(out)) {
      gzip.write(content);
    }
    return worthKeeping(content.length, out.toByteArray());
  }

  /** Brotli (quality 11 up to 1 MiB, 9 above); empty when it does not save 10% or brotli is unavailable. */
  public static Optional<byte[]> brotli(byte[] content) throws IOException {
    if (!BROTLI_AVAILABLE) {
      return Optional.empty();
    }
    int quality = content.length <= BEST_BROTLI_QUALITY_MAX_SIZE ? 11 : 9;
    byte[] compressed = Encoder.compress(content, new Encoder.Parameters().setQuality(quality).setWindow(22));
    return worthKeeping(content.length, compressed);
  }

  private static Optional<byte[]> worthKeeping(long originalSize, byte[] compressed) {
    return compressed.length * 10L <= originalSize * 9L ? Optional.of(compressed) : Optional.empty();
  }

  private static boolean loadBrotli() {
    try {
      Brotli4jLoader.ensureAvailability();
      return true;
    } catch (Throwable e) {
      log.warn("Brotli encoder unavailable, publishing gzip variants only: {}", e.toString());
      return false;
    }
  }

  private static final class BestGzipOutputStream extends GZIPOutputStream {
    BestGzipOutputStream(ByteArrayOutputStream out) throws IOException {
      super(out, 64 * 1024);
      def.setLevel(Deflater.BEST_COMPRESSION);
    }
  }
}
