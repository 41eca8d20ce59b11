package dev.ferry.functions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The request an instance gets (the client's method, path, headers and body; the query routing decided; the
 * {@code X-Forwarded-*} headers) and the response the client gets back (streamed, hop-by-hop headers dropped, the
 * body limited: a declared length over the limit answers 413, a stream over it is cut).
 */
final class FunctionForwarding {

  /** RFC 9110 connection options, and what the edge or the entity sets itself. */
  private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection", "te",
      "trailer", "transfer-encoding", "upgrade", "host", "content-length", "content-type", "raw-request-uri",
      "timeout-access", "remote-address", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip");

  private final long maxBodyBytes;

  FunctionForwarding(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  HttpRequest outgoing(int port, String path, String query, HttpRequest request, HttpEntity.Strict body) {
    Uri uri = Uri.create("http://127.0.0.1:" + port + path + (query.isEmpty() ? "" : "?" + query),
        Uri.RELAXED);
    List<HttpHeader> headers = new ArrayList<>();
    String host = null;
    for (HttpHeader header : request.getHeaders()) {
      String name = header.lowercaseName();
      if (name.equals("host")) {
        host = header.value();
      }
      if (!NOT_FORWARDED.contains(name)) {
        headers.add(header);
      }
    }
    if (host != null) {
      headers.add(Host.create(host.contains(":") && !host.startsWith("[") ? host.substring(0, host.indexOf(':'))
          : host));
      headers.add(RawHeader.create("X-Forwarded-Host", host));
    }
    headers.add(RawHeader.create("X-Forwarded-Proto", "http"));
    request.getAttribute(AttributeKeys.remoteAddress).flatMap(RemoteAddress::getAddress)
        .ifPresent(address -> {
          headers.add(RawHeader.create("X-Forwarded-For", address.getHostAddress()));
          headers.add(RawHeader.create("X-Real-Ip", address.getHostAddress()));
        });
    return HttpRequest.create()
        .withMethod(request.method())
        .withUri(uri)
        .addHeaders(headers)
        .withEntity(body);
  }

  /**
   * The instance's response for the client; {@code finished} is told once its body has been sent (true) or could
   * not be (false).
   */
  HttpResponse incoming(HttpResponse response, ActorSystem<?> system, Consumer<Boolean> finished) {
    ResponseEntity entity = response.entity();
    if (entity.getContentLengthOption().orElse(0) > maxBodyBytes) {
      response.discardEntityBytes(system).completionStage().whenComplete((done, failure) -> finished.accept(true));
      return FunctionResponses.tooLarge("response", maxBodyBytes);
    }
    List<HttpHeader> headers = new ArrayList<>();
    for (HttpHeader header : response.getHeaders()) {
      if (!NOT_FORWARDED.contains(header.lowercaseName().toLowerCase(Locale.ROOT))) {
        headers.add(header);
      }
    }
    ResponseEntity forwarded;
    if (entity instanceof HttpEntity.Strict) {
      finished.accept(true);
      forwarded = entity;
    } else {
      Source<ByteString, ?> body = entity.getDataBytes()
          .limitWeighted(maxBodyBytes, chunk -> (long) chunk.size())
          .watchTermination((mat, done) -> {
            done.whenComplete((d, failure) -> finished.accept(failure == null
                || !(failure instanceof org.apache.pekko.stream.StreamLimitReachedException)));
            return mat;
          });
      forwarded = entity.getContentLengthOption().isPresent()
          ? HttpEntities.create(entity.getContentType(), entity.getContentLengthOption().getAsLong(), body)
          : HttpEntities.createChunked(entity.getContentType(), body);
    }
    return HttpResponse.create().withStatus(response.status()).addHeaders(headers).withEntity(forwarded);
  }
}
