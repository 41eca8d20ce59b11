"""Ferry's Python function launcher: loads the user's module and serves it over HTTP on a loopback port.

Usage: python3 -u python-launcher.py <function dir> <handler file>
(<handler file> `--spare`: wait for Ferry to assign a function, see `spare_handler`)
Supported forms (Vercel's): a `handler` class based on BaseHTTPRequestHandler, a WSGI `app`, an ASGI `app`.
The packages of requirements.txt are in <function dir>/_python.
"""
import asyncio
import importlib.util
import inspect
import io
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import unquote, urlsplit


def load(function_dir, handler_file):
    sys.path[:0] = [os.path.join(function_dir, "_python"), function_dir,
                    os.path.dirname(os.path.join(function_dir, handler_file))]
    spec = importlib.util.spec_from_file_location("ferry_function", os.path.join(function_dir, handler_file))
    module = importlib.util.module_from_spec(spec)
    sys.modules["ferry_function"] = module
    spec.loader.exec_module(module)
    return module


def guarded(handler_class):
    """The user's handler class, with each do_* method answering 500 (and logging) when it raises."""

    def wrap(method):
        def run(self):
            try:
                method(self)
            except Exception:
                traceback.print_exc()
                try:
                    self.send_response(500)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(b"A server error occurred in the function")
                except Exception:
                    pass
        return run

    members = {name: wrap(getattr(handler_class, name)) for name in dir(handler_class)
               if name.startswith("do_") and callable(getattr(handler_class, name))}
    members["log_message"] = lambda self, *args: None
    return type(handler_class.__name__, (handler_class,), members)


class WsgiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app = None

    def log_message(self, *args):
        pass

    def _environ(self, body):
        parts = urlsplit(self.path)
        environ = {
            "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "PATH_INFO": unquote(parts.path),
            "QUERY_STRING": parts.query, "SERVER_NAME": "localhost", "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = environ[key] + "," + value if key in environ else value
        return environ

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except Exception:
            traceback.print_exc()
            self.close_connection = True

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self):
        body = self._body()
        status_headers = []

        def start_response(status, headers, exc_info=None):
            status_headers[:] = [status, headers]
            return lambda data: chunks.append(data)

        chunks = []
        try:
            result = self.app(self._environ(body), start_response)
            try:
                for chunk in result:
                    chunks.append(chunk)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:
            traceback.print_exc()
            status_headers[:] = ["500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")]]
            chunks = [b"A server error occurred in the function"]
        status, headers = status_headers
        self.send_response(int(status.split(" ", 1)[0]), status.split(" ", 1)[1] if " " in status else None)
        payload = b"".join(chunks)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class AsgiHandler(WsgiHandler):
    loop = None

    def _serve(self):
        body = self._body()
        parts = urlsplit(self.path)
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": self.command,
            "scheme": "http", "path": unquote(parts.path), "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(), "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()],
            "client": (self.client_address[0], self.client_address[1]), "server": ("localhost", 80),
        }
        received = [False]
        started = [False]

        async def receive():
            if not received[0]:
                received[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()

        async def send(message):
            if message["type"] == "http.response.start":
                started[0] = True
                self.send_response(message["status"])
                for name, value in message.get("headers", []):
                    name = name.decode("latin-1")
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value.decode("latin-1"))
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
            elif message["type"] == "http.response.body":
                data = message.get("body", b"")
                if data and self.command != "HEAD":
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                if not message.get("more_body", False):
                    self.wfile.write(b"0\r\n\r\n")

        try:
            self.loop.run_until_complete(self.app(scope, receive, send))
        except Exception:
            traceback.print_exc()
            if not started[0]:
                self.send_error(500, "A server error occurred in the function")
            self.close_connection = True


def is_asgi(app):
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(getattr(app, "__call__", None))


def handler_class(module, handler_file):
    """The request handler class serving the module's handler class, WSGI app or ASGI app."""
    handler = getattr(module, "handler", None)
    app = getattr(module, "app", None) or getattr(module, "application", None)
    if inspect.isclass(handler) and issubclass(handler, BaseHTTPRequestHandler):
        return guarded(handler)
    if app is not None and is_asgi(app):
        return type("App", (AsgiHandler,), {"app": staticmethod(app), "loop": asyncio.new_event_loop()})
    if app is not None and callable(app):
        return type("App", (WsgiHandler,), {"app": staticmethod(app)})
    print(handler_file + " defines no handler: a `handler` class based on BaseHTTPRequestHandler, or a WSGI "
          "or ASGI `app`", file=sys.stderr)
    sys.exit(78)


def spare_handler(function_dir, token):
    """A spare's only request: Ferry assigns it a function (the handler and the deployment's variables), once."""

    class Assign(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self, status, text):
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            # The function's requests come on a new connection, served by the function's handler class.
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not token or self.path != "/__ferry/assign" or self.headers.get("X-Ferry-Spare-Token") != token:
                return self._answer(403, "not a spare waiting for a function")
            assignment = json.loads(body)
            os.environ.clear()
            os.environ.update(assignment["env"])
            try:
                module = load(function_dir, assignment["handler"])
            except BaseException:
                traceback.print_exc()
                self._answer(500, "the function could not be loaded")
                sys.exit(70)
            self.server.RequestHandlerClass = handler_class(module, assignment["handler"])
            self._answer(200, "ok")

        def do_GET(self):
            self._answer(503, "This instance has no function yet")

    return Assign


def main():
    function_dir, handler_file = sys.argv[1], sys.argv[2]
    if handler_file == "--spare":
        server_class = spare_handler(function_dir, os.environ.pop("FERRY_SPARE_TOKEN", None))
    else:
        server_class = handler_class(load(function_dir, handler_file), handler_file)
    server = HTTPServer(("127.0.0.1", 0), server_class)
    print("FERRY_FUNCTION_READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
