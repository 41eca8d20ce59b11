package dev.ferry.functions;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one persistent HTTP/1.1 connection from Ferry to one function instance (an instance serves one request at a
 * time, so the connection is its own): a blocking loopback socket with {@code TCP_NODELAY}, the request written in
 * one go, the response head parsed here and its body read as a stream framed by its length, by chunks or by the end
 * of the connection. The peer is Ferry's own launcher; this is not a general-purpose client. Not thread-safe: the
 * pool hands an instance, and so its connection, to one request at a time.
 */
final class InstanceConnection implements AutoCloseable {

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int MAX_LINE = 16 * 1024;
  private static final int MAX_HEADERS = 256;

  /** A response: its head, and its body (empty when it has none); {@code contentLength} is -1 when not known. */
  record Response(int status, String reason, List<Map.Entry<String, String>> headers, long contentLength,
      InputStream body) {}

  private final int port;
  private volatile Socket socket;
  private InputStream in;
  private OutputStream out;
  private volatile boolean closed;

  InstanceConnection(int port) {
    this.port = port;
  }

  /**
   * Sends a request and reads the response head (blocking). The body must be read to its end before the next
   * request; when the response ends the connection (or is not read to its end), the next request opens a new one.
   * A refused connection throws {@link java.net.ConnectException}: the request never reached the instance.
   */
  Response exchange(String method, String target, List<Map.Entry<String, String>> headers, byte[] body)
      throws IOException {
    send(method, target, headers, body);
    return receive(method);
  }

  /** Whether a connection is open (a request written now goes out at once, without a connect). */
  boolean isOpen() {
    return socket != null;
  }

  /** Writes a request, opening a connection first if there is none. */
  void send(String method, String target, List<Map.Entry<String, String>> headers, byte[] body) throws IOException {
    byte[] request = render(method, target, headers, body);
    if (socket == null) {
      open();
    }
    // No retry on a new connection: the launchers never close an idle connection, so a failure here means the
    // instance failed (or was stopped) with the request.
    try {
      out.write(request);
      out.flush();
    } catch (IOException | RuntimeException e) {
      drop();
      throw e;
    }
  }

  /** Reads the head of the response to the request sent last (blocking). */
  Response receive(String method) throws IOException {
    try {
      return readResponse(method);
    } catch (IOException | RuntimeException e) {
      drop();
      throw e;
    }
  }

  private void open() throws IOException {
    if (closed) {
      throw new java.net.ConnectException("Connection refused: the instance is stopped");
    }
    Socket opened = new Socket();
    opened.setTcpNoDelay(true);
    opened.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MILLIS);
    socket = opened;
    in = new BufferedInputStream(opened.getInputStream(), 16 * 1024);
    out = opened.getOutputStream();
  }

  private static byte[] render(String method, String target, List<Map.Entry<String, String>> headers, byte[] body) {
    StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    for (Map.Entry<String, String> header : headers) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    if (body.length > 0 || !(method.equals("GET") || method.equals("HEAD"))) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = java.util.Arrays.copyOf(headBytes, headBytes.length + body.length);
    System.arraycopy(body, 0, request, headBytes.length, body.length);
    return request;
  }

  private Response readResponse(String method) throws IOException {
    while (true) {
      String statusLine = readLine(in);
      if (statusLine == null) {
        throw new EOFException("The instance closed the connection before it answered");
      }
      // HTTP/1.1 200 OK
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("Not an HTTP response from the instance: " + abbreviate(statusLine));
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("Not an HTTP status from the instance: " + abbreviate(statusLine));
      }
      List<Map.Entry<String, String>> headers = readHeaders();
      if (status >= 100 && status < 200) {
        continue; // an interim response (100 Continue): the real one follows
      }
      boolean keepAlive = parts[0].equals("HTTP/1.1");
      long length = -1;
      boolean chunked = false;
      for (Map.Entry<String, String> header : headers) {
        String name = header.getKey().toLowerCase(Locale.ROOT);
        String value = header.getValue().trim().toLowerCase(Locale.ROOT);
        if (name.equals("content-length")) {
          try {
            length = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IOException("An invalid Content-Length from the instance: " + abbreviate(value));
          }
        } else if (name.equals("transfer-encoding")) {
          chunked = value.endsWith("chunked");
        } else if (name.equals("connection")) {
          keepAlive = keepAlive ? !value.contains("close") : value.contains("keep-alive");
        }
      }
      String reason = parts.length > 2 ? parts[2] : "";
      InputStream body;
      if (method.equals("HEAD") || status == 204 || status == 304) {
        body = InputStream.nullInputStream();
        if (!keepAlive) {
          drop();
        }
      } else if (chunked) {
        body = new Body(new ChunkedBody(in), keepAlive);
        length = -1;
      } else if (length >= 0) {
        body = new Body(new FixedBody(in, length), keepAlive);
      } else {
        body = new Body(in, false);
      }
      return new Response(status, reason, headers, length, body);
    }
  }

  private List<Map.Entry<String, String>> readHeaders() throws IOException {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      if (colon <= 0 || headers.size() >= MAX_HEADERS) {
        throw new IOException("An invalid response header from the instance: " + abbreviate(line));
      }
      headers.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
    }
    if (line == null) {
      throw new IOException("The instance closed the connection in the middle of a response head");
    }
    return headers;
  }

  /** A line without its CRLF (ISO-8859-1); null at the end of the stream before any byte. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("A response line from the instance is longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
    if (line.size() > 0) {
      throw new EOFException("The instance closed the connection in the middle of a line");
    }
    return null;
  }

  private static String abbreviate(String text) {
    return text.length() > 100 ? text.substring(0, 100) + "…" : text;
  }

  /** Closes the socket; the next request opens a new one. */
  private void drop() {
    Socket s = socket;
    socket = null;
    in = null;
    out = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /** Closes the connection for good (the instance is stopped); a blocked read returns with an error. */
  @Override
  public void close() {
    closed = true;
    Socket s = socket;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /**
   * A response body: once read to its end the connection serves the next request, unless the response ended it;
   * closed before its end, the connection is dropped (what is left of the response cannot be skipped reliably).
   */
  private final class Body extends ByteReads {
    private final InputStream framed;
    private final boolean keepAlive;
    private boolean ended;

    Body(InputStream framed, boolean keepAlive) {
      this.framed = framed;
      this.keepAlive = keepAlive;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (ended) {
        return -1;
      }
      int n = framed.read(buffer, offset, length);
      if (n < 0) {
        ended = true;
        if (!keepAlive) {
          drop();
        }
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return ended ? 0 : framed.available();
    }

    @Override
    public void close() {
      if (!ended) {
        ended = true;
        drop();
      }
    }
  }

  /** The next {@code length} bytes of the connection. */
  private static final class FixedBody extends ByteReads {
    private final InputStream in;
    private long remaining;

    FixedBody(InputStream in, long length) {
      this.in = in;
      this.remaining = length;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int n = in.read(buffer, offset, (int) Math.min(length, remaining));
      if (n < 0) {
        throw new EOFException("The instance closed the connection " + remaining + " bytes before the body's end");
      }
      remaining -= n;
      return n;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remaining);
    }
  }

  /** A chunked body, decoded: each read returns what one chunk has left (never waits for the next chunk). */
  private static final class ChunkedBody extends ByteReads {
    private final InputStream in;
    private long chunkLeft;
    private boolean done;

    ChunkedBody(InputStream in) {
      this.in = in;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (done) {
        return -1;
      }
      if (chunkLeft == 0) {
        String size = readLine(in);
        if (size == null) {
          throw new EOFException("The instance closed the connection in the middle of a chunked body");
        }
        int extension = size.indexOf(';');
        try {
          chunkLeft = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("An invalid chunk size from the instance: " + abbreviate(size));
        }
        if (chunkLeft == 0) {
          String trailer;
          while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
            // trailers are dropped
          }
          done = true;
          return -1;
        }
      }
      int n = in.read(buffer, offset, (int) Math.min(length, chunkLeft));
      if (n < 0) {
        throw new EOFException("The instance closed the connection in the middle of a chunk");
      }
      chunkLeft -= n;
      if (chunkLeft == 0 && readLine(in) == null) {
        throw new EOFException("The instance closed the connection after a chunk");
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), chunkLeft);
    }
  }

  /** A stream whose single-byte read is its bulk read of one byte. */
  private abstract static class ByteReads extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }
  }
}
