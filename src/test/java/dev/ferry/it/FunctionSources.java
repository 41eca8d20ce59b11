package dev.ferry.it;

/** The sources FunctionsIT deploys: one function per form and per behaviour under test. */
final class FunctionSources {

  private FunctionSources() {}

  static UploadedFiles site() {
    return new UploadedFiles()
        .add("index.html", "<h1>static beside functions</h1>\n")
        .add("vercel.json", """
            {"functions": {"api/hang.js": {"maxDuration": 2}, "api/memory.js": {"memory": 128}}}
            """)
        .add("api/hello.js", """
            module.exports = function handler(req, res) {
              if (req.query.log) console.log('token is ' + process.env.API_TOKEN);
              if (req.query.marker) console.log('marker ' + req.query.marker);
              if (req.query.status) return res.status(Number(req.query.status)).send('short and stout');
              if (req.query.redirect === '308') return res.redirect(308, '/elsewhere');
              if (req.query.redirect) return res.redirect('/elsewhere');
              res.setHeader('x-function', 'node');
              res.json({ query: req.query, body: req.body, cookies: req.cookies, method: req.method,
                greeting: process.env.GREETING });
            };
            """)
        .add("api/_lib/label.ts", """
            export function label(id: string): string {
              return `user-${id}`;
            }
            """)
        .add("api/users/[id].ts", """
            import { label } from '../_lib/label';
            interface Answer { id: string; label: string }
            export default function handler(req: any, res: any): void {
              const answer: Answer = { id: String(req.query.id), label: label(String(req.query.id)) };
              res.status(200).json(answer);
            }
            """)
        .add("api/stream.mjs", """
            export function GET() {
              const encoder = new TextEncoder();
              const body = new ReadableStream({
                async start(controller) {
                  for (let i = 0; i < 5; i++) {
                    controller.enqueue(encoder.encode(`chunk ${i}\\n`));
                    await new Promise((resolve) => setTimeout(resolve, 100));
                  }
                  controller.close();
                },
              });
              return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
            }
            export async function PUT(request) {
              const json = await request.json();
              return Response.json(json, { status: 201, headers: { 'x-function': 'web' } });
            }
            """)
        .add("api/throws.js", """
            export default function handler(req, res) {
              if (req.query.fail) throw new Error('kaboom');
              res.send('still alive');
            }
            """)
        .add("api/hang.js", """
            export default function handler(req, res) {
              if (req.query.quick) return res.send('quick');
              // never answers
            }
            """)
        .add("api/memory.js", """
            const hog = [];
            export default async function handler(req, res) {
              if (req.query.grow) {
                for (;;) hog.push(new Array(100000).fill(hog.length));
              }
              if (req.query.buffers) {
                // outside V8's heap: only the sandbox's watch on resident memory stops this
                for (;;) {
                  hog.push(Buffer.alloc(16 << 20, 1));
                  await new Promise((resolve) => setTimeout(resolve, 10));
                }
              }
              res.send('fresh instance');
            }
            """)
        .add("api/slow.js", """
            export default async function handler(req, res) {
              await new Promise((resolve) => setTimeout(resolve, 1500));
              res.send('slow ' + req.query.i);
            }
            """)
        .add("api/big.js", """
            export default function handler(req, res) {
              res.setHeader('content-type', 'text/plain');
              res.end(Buffer.alloc(5 * 1024 * 1024, 120));
            }
            """)
        .add("api/py/hello.py", """
            import json
            import os
            from http.server import BaseHTTPRequestHandler


            class handler(BaseHTTPRequestHandler):
                def do_GET(self):
                    body = json.dumps({"greeting": os.environ.get("GREETING"), "path": self.path}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            """)
        .add("api/py/wsgi.py", """
            def app(environ, start_response):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length).decode()
                start_response("200 OK", [("Content-Type", "text/plain"), ("X-Wsgi", "yes")])
                text = "wsgi %s %s %s %s" % (environ["REQUEST_METHOD"], environ["PATH_INFO"],
                                             environ["QUERY_STRING"], body)
                return [text.encode()]
            """);
  }

  /** A Build Output v3 tree as a framework adapter writes it: static files, config.json, one .func directory. */
  static UploadedFiles buildOutput() {
    return new UploadedFiles()
        .add(".vercel/output/config.json", """
            {"version": 3, "routes": [{"src": "^/hello$", "dest": "/api/raw"}, {"handle": "filesystem"}]}
            """)
        .add(".vercel/output/static/index.html", "<p>prebuilt</p>\n")
        .add(".vercel/output/functions/api/raw.func/.vc-config.json", """
            {"runtime": "nodejs20.x", "handler": "index.js", "launcherType": "Nodejs", "memory": 256,
             "maxDuration": 5, "environment": {"WHO": ".vc-config"}}
            """)
        .add(".vercel/output/functions/api/raw.func/index.js", """
            module.exports = (req, res) => res.end('raw func says hi from ' + process.env.WHO);
            """);
  }

  static UploadedFiles pythonWithWheels(byte[] wheel) {
    return new UploadedFiles()
        .add("requirements.txt", "vendored==1.0\n")
        .add("wheels/vendored-1.0-py3-none-any.whl", wheel)
        .add("api/index.py", """
            import vendored


            def app(environ, start_response):
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [("vendored says %d" % vendored.answer()).encode()]
            """);
  }
}
