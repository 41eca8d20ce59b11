package dev.ferry.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.RequestEntityAcceptances;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.util.ByteString;

/**
 * Translation between Netty's HTTP/1.1 messages and the Pekko HTTP model the edge's logic is written against (ADR
 * 0018): a request comes out the way Pekko's own server would have parsed it (typed {@code Host}, the content type in
 * the entity, {@code Raw-Request-URI}, the remote address attribute), and a response's head is rendered the way
 * Pekko's renderer would have (entity headers from the entity, {@code Server} and {@code Date} when it sets none).
 */
final class NettyMessages {

  static final String RAW_REQUEST_URI = "Raw-Request-URI";
  private static final String SERVER = EdgeResponses.SERVER.value();

  private NettyMessages() {}

  /**
   * The Pekko request for a Netty request head and its body. Throws for a target
   * that is not a URI even in relaxed parsing (Pekko's server answered those 400 too) with a RuntimeException.
   */
  static HttpRequest request(io.netty.handler.codec.http.HttpRequest head, RequestEntityFactory body,
      InetSocketAddress remote) {
    String target = head.uri();
    Uri uri = Uri.create(target, Uri.RELAXED);
    HttpHeaders nettyHeaders = head.headers();
    List<HttpHeader> headers = new ArrayList<>(nettyHeaders.size() + 1);
    ContentType contentType = null;
    for (Map.Entry<String, String> header : nettyHeaders) {
      String name = header.getKey();
      String value = header.getValue();
      if (name.equalsIgnoreCase("host")) {
        headers.add(host(value));
      } else if (name.equalsIgnoreCase("content-type")) {
        contentType = contentType(value);
      } else if (name.equalsIgnoreCase("accept-encoding")) {
        headers.add(acceptEncoding(value));
      } else if (name.equalsIgnoreCase("if-modified-since")) {
        headers.add(modeled(name, value));
      } else if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("transfer-encoding")) {
        headers.add(RawHeader.create(name, value));
      }
    }
    headers.add(RawHeader.create(RAW_REQUEST_URI, target));
    return HttpRequest.create()
        .withMethod(method(head.method().name()))
        .withUri(uri)
        .withProtocol(head.protocolVersion().minorVersion() == 0 ? HttpProtocols.HTTP_1_0 : HttpProtocols.HTTP_1_1)
        .addHeaders(headers)
        .withEntity(body.entity(contentType == null ? ContentTypes.APPLICATION_OCTET_STREAM : contentType))
        .addAttribute(AttributeKeys.remoteAddress, RemoteAddress.create(remote));
  }

  /**
   * The headers the edge reads as Pekko's typed headers (content negotiation, revalidation) are parsed as Pekko's server
   * did; all others stay raw. Browsers send a handful of distinct Accept-Encoding values: each is parsed once.
   */
  private static HttpHeader modeled(String name, String value) {
    try {
      HttpHeader parsed = HttpHeader.parse(name, value);
      return parsed != null ? parsed : RawHeader.create(name, value);
    } catch (RuntimeException e) {
      return RawHeader.create(name, value);
    }
  }

  private static HttpHeader acceptEncoding(String value) {
    HttpHeader cached = ACCEPT_ENCODINGS.get(value);
    if (cached == null) {
      cached = modeled("Accept-Encoding", value);
      if (value.length() <= 256) {
        ACCEPT_ENCODINGS.put(value, cached, 1);
      }
    }
    return cached;
  }

  private static final LruCache<String, HttpHeader> ACCEPT_ENCODINGS = new LruCache<>(512, 0.5);

  /** Makes the request's entity once its content type is known. */
  @FunctionalInterface
  interface RequestEntityFactory {
    RequestEntity entity(ContentType contentType);

    static RequestEntityFactory of(ByteString body) {
      return contentType -> body.isEmpty() ? HttpEntities.EMPTY : HttpEntities.create(contentType, body);
    }
  }

  /** The head of a response, as Pekko's renderer would have written it (the body's framing is the caller's). */
  static HttpHeaders headers(HttpResponse response) {
    DefaultHttpHeaders headers = new DefaultHttpHeaders(false);
    boolean server = false;
    boolean date = false;
    for (HttpHeader header : response.getHeaders()) {
      String name = header.lowercaseName();
      switch (name) {
        case "content-type", "content-length", "transfer-encoding", "connection" -> {
          continue;
        }
        case "server" -> server = true;
        case "date" -> date = true;
        default -> { }
      }
      headers.add(header.name(), header.value());
    }
    if (!server) {
      headers.add(HttpHeaderNames.SERVER, SERVER);
    }
    if (!date) {
      headers.add(HttpHeaderNames.DATE, HttpDate.now());
    }
    ContentType contentType = response.entity().getContentType();
    if (!contentType.equals(ContentTypes.NO_CONTENT_TYPE)) {
      headers.add(HttpHeaderNames.CONTENT_TYPE, contentType.toString());
    }
    return headers;
  }

  /** Whether the response itself asks for the connection to be closed. */
  static boolean asksToClose(HttpResponse response) {
    return response.getHeader("Connection").map(h -> h.value().toLowerCase(java.util.Locale.ROOT).contains("close"))
        .orElse(false);
  }

  static HttpResponseStatus status(StatusCode status) {
    int code = status.intValue();
    HttpResponseStatus standard = HttpResponseStatus.valueOf(code);
    String reason = status.reason();
    return standard.reasonPhrase().equals(reason) ? standard : HttpResponseStatus.valueOf(code, reason);
  }

  /** A view of the bytes for a write; no copy for a contiguous ByteString. */
  static ByteBuf buffer(ByteString bytes) {
    return bytes.isEmpty() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes.asByteBuffer());
  }

  private static HttpMethod method(String name) {
    return HttpMethods.lookup(name)
        .orElseGet(() -> HttpMethods.custom(name, false, false, RequestEntityAcceptances.Tolerated));
  }

  private static ContentType contentType(String value) {
    try {
      return ContentTypes.parse(value);
    } catch (RuntimeException e) {
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }

  /** A typed Host header from {@code name[:port]} (IPv6 literals in brackets). */
  static Host host(String value) {
    String name = value.trim();
    int port = 0;
    int colon = name.lastIndexOf(':');
    if (colon >= 0 && colon > name.lastIndexOf(']')) {
      String digits = name.substring(colon + 1);
      name = name.substring(0, colon);
      port = parsePort(digits);
    }
    try {
      return port > 0 ? Host.create(name, port) : Host.create(name);
    } catch (RuntimeException e) {
      // A name Pekko cannot model names no deployment either: route it as an empty host (400).
      return Host.create("");
    }
  }

  private static int parsePort(String digits) {
    if (digits.isEmpty() || digits.length() > 5) {
      return 0;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (!Character.isDigit(digits.charAt(i))) {
        return 0;
      }
    }
    int port = Integer.parseInt(digits);
    return port <= 65535 ? port : 0;
  }

  /** The {@code Date} header's value, formatted once a second. */
  static final class HttpDate {
    private record Stamp(long second, String text) {}

    private static volatile Stamp current = new Stamp(-1, "");

    private HttpDate() {}

    static String now() {
      long now = System.currentTimeMillis();
      Stamp stamp = current;
      if (stamp.second() != now / 1000) {
        stamp = new Stamp(now / 1000, DateFormatter.format(new Date(now / 1000 * 1000)));
        current = stamp;
      }
      return stamp.text();
    }
  }
}
