package dev.ferry.edge;

import dev.ferry.storage.ContentTypes;
import dev.ferry.storage.Manifest.FileEntry;
import dev.ferry.storage.Manifest.Variant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.DateTime;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.LastModified;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * A deployed file with everything its responses need, computed once: the content type, whether it is an immutable
 * hashed asset, and for each stored representation (as is, gzip, brotli) its entity tag and the header sets of its
 * 200 and 304 responses. Serving a request then costs one copy of a template response.
 */
final class ServedFile {

  static final RawHeader VARY_ACCEPT_ENCODING = RawHeader.create("Vary", "Accept-Encoding");
  static final RawHeader ACCEPT_RANGES = RawHeader.create("Accept-Ranges", "bytes");
  private static final RawHeader CONTENT_ENCODING_GZIP = RawHeader.create("Content-Encoding", "gzip");
  private static final RawHeader CONTENT_ENCODING_BR = RawHeader.create("Content-Encoding", "br");

  final String path;
  final ContentType contentType;
  final boolean immutable;
  /** Whether responses differ by Accept-Encoding: a compressible type, or one stored with variants. */
  final boolean varies;
  final DateTime lastModified;
  final CacheControl cacheControl;
  final Representation identity;
  final Representation gzip;
  final Representation br;

  ServedFile(String path, FileEntry entry, ContentTypeResolver contentTypes, DateTime lastModified,
      LastModified lastModifiedHeader) {
    this.path = path;
    this.contentType = contentTypes.resolve(entry.contentType());
    this.immutable = ImmutableAssets.isImmutable(path);
    this.varies = entry.gzip() != null || entry.br() != null || ContentTypes.isCompressibleType(entry.contentType());
    this.lastModified = lastModified;
    this.cacheControl = immutable ? EdgeResponses.IMMUTABLE_CACHE_CONTROL : EdgeResponses.FILE_CACHE_CONTROL;
    String tag = ETags.opaqueTag(entry.sha256());
    this.identity = new Representation(entry.sha256(), entry.size(), tag, null, this, lastModifiedHeader);
    this.gzip = variant(entry.gzip(), tag + "-gz", CONTENT_ENCODING_GZIP, lastModifiedHeader);
    this.br = variant(entry.br(), tag + "-br", CONTENT_ENCODING_BR, lastModifiedHeader);
  }

  Representation representation(int coding) {
    return switch (coding) {
      case ContentCodings.BR -> br;
      case ContentCodings.GZIP -> gzip;
      default -> identity;
    };
  }

  private Representation variant(Variant variant, String tag, RawHeader contentEncoding, LastModified lastModified) {
    return variant == null
        ? null
        : new Representation(variant.sha256(), variant.size(), tag, contentEncoding, this, lastModified);
  }

  /** One stored form of the file: its blob, entity tag and response templates (without entity). */
  static final class Representation {
    final String sha256;
    final long size;
    final String tag;
    final boolean compressed;
    final HttpResponse ok;
    final HttpResponse notModified;

    Representation(String sha256, long size, String tag, RawHeader contentEncoding, ServedFile file,
        LastModified lastModified) {
      this.sha256 = sha256;
      this.size = size;
      this.tag = tag;
      this.compressed = contentEncoding != null;
      List<HttpHeader> validators = new ArrayList<>(6);
      validators.add(ETags.header(tag));
      validators.add(file.cacheControl);
      if (lastModified != null) {
        validators.add(lastModified);
      }
      if (file.varies) {
        validators.add(VARY_ACCEPT_ENCODING);
      }
      validators.add(EdgeResponses.NOSNIFF);
      this.notModified = HttpResponse.create().withStatus(StatusCodes.NOT_MODIFIED).withHeaders(validators);
      List<HttpHeader> headers = new ArrayList<>(validators);
      headers.add(compressed ? contentEncoding : ACCEPT_RANGES);
      this.ok = HttpResponse.create().withHeaders(headers);
    }
  }
}
