package dev.ferry.functions;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;

/**
 * The request an instance gets (the client's method, path, headers and body; the query routing decided; the
 * {@code X-Forwarded-*} headers) and the response the client gets back (streamed, hop-by-hop headers dropped, the
 * body limited: a declared length over the limit answers 413, a stream over it is cut).
 */
final class FunctionForwarding {

  /** RFC 9110 connection options, and what the edge or the entity sets itself. */
  private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection", "te",
      "trailer", "transfer-encoding", "upgrade", "host", "content-length", "content-type", "expect", "raw-request-uri",
      "timeout-access", "remote-address", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip");

  /** Bodies up to this size with a declared length are read at once, into one strict entity. */
  static final long STRICT_LIMIT = 256 * 1024;
  private static final int STREAM_CHUNK = 16 * 1024;

  private final long maxBodyBytes;

  FunctionForwarding(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The request head for the instance: the target, then the client's headers, the host and X-Forwarded-*. */
  List<Map.Entry<String, String>> outgoing(HttpRequest request, HttpEntity.Strict body) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    String host = null;
    for (HttpHeader header : request.getHeaders()) {
      String name = header.lowercaseName();
      if (name.equals("host")) {
        host = header.value();
      } else if (!NOT_FORWARDED.contains(name)) {
        headers.add(Map.entry(header.name(), header.value()));
      }
    }
    if (host != null) {
      headers.add(Map.entry("Host", host.contains(":") && !host.startsWith("[")
          ? host.substring(0, host.indexOf(':')) : host));
      headers.add(Map.entry("X-Forwarded-Host", host));
    } else {
      headers.add(Map.entry("Host", "localhost"));
    }
    headers.add(Map.entry("X-Forwarded-Proto", "http"));
    request.getAttribute(AttributeKeys.remoteAddress).flatMap(RemoteAddress::getAddress)
        .ifPresent(address -> {
          headers.add(Map.entry("X-Forwarded-For", address.getHostAddress()));
          headers.add(Map.entry("X-Real-Ip", address.getHostAddress()));
        });
    if (!body.getData().isEmpty() && !body.getContentType().equals(ContentTypes.NO_CONTENT_TYPE)) {
      headers.add(Map.entry("Content-Type", body.getContentType().toString()));
    }
    return headers;
  }

  /** The request-target for the instance: the path as the client sent it, the query as routing decided. */
  static String target(String path, String query) {
    return query.isEmpty() ? path : path + "?" + query;
  }

  /**
   * The instance's response for the client, read on the calling thread as far as it is small and complete (the
   * usual case: one strict entity, no stream), else streamed from the connection; {@code finished} is told once
   * its body has been sent (true) or could not be (false).
   */
  HttpResponse incoming(InstanceConnection.Response response, Consumer<Boolean> finished) throws IOException {
    long length = response.contentLength();
    if (length > maxBodyBytes) {
      response.body().close();
      finished.accept(true);
      return FunctionResponses.tooLarge("response", maxBodyBytes);
    }
    List<HttpHeader> headers = new ArrayList<>();
    ContentType contentType = ContentTypes.APPLICATION_OCTET_STREAM;
    for (Map.Entry<String, String> header : response.headers()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("content-type")) {
        try {
          contentType = ContentTypes.parse(header.getValue());
        } catch (RuntimeException invalid) {
          // kept as application/octet-stream: the client would not understand it either
        }
      } else if (!NOT_FORWARDED.contains(name)) {
        headers.add(HttpHeader.parse(header.getKey(), header.getValue()));
      }
    }
    StatusCode status = StatusCodes.lookup(response.status()).orElseGet(() -> StatusCodes.custom(response.status(),
        response.reason(), ""));
    ResponseEntity entity;
    if (length >= 0 && length <= STRICT_LIMIT) {
      byte[] bytes = response.body().readNBytes((int) length);
      if (bytes.length == length) {
        response.body().read(); // the end of the body: the connection is free again
        finished.accept(true);
        entity = HttpEntities.create(contentType, bytes);
      } else {
        // a HEAD response, or a body that has no content (204, 304): the length is what a GET would have sent
        finished.accept(true);
        entity = length == 0 || bytes.length > 0 ? HttpEntities.create(contentType, bytes)
            : HttpEntities.create(contentType, length, Source.<ByteString>empty());
      }
    } else {
      InputStream in = response.body();
      Source<ByteString, ?> body = StreamConverters.fromInputStream(() -> in, STREAM_CHUNK)
          .limitWeighted(maxBodyBytes, chunk -> (long) chunk.size())
          .watchTermination((mat, done) -> {
            done.whenComplete((d, failure) -> finished.accept(failure == null
                || !(failure instanceof org.apache.pekko.stream.StreamLimitReachedException)));
            return mat;
          });
      entity = length >= 0 ? HttpEntities.create(contentType, length, body)
          : HttpEntities.createChunked(contentType, body);
    }
    return HttpResponse.create().withStatus(status).addHeaders(headers).withEntity(entity);
  }
}
