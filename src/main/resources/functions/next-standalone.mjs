// Ferry's handler for a Next.js `output: "standalone"` build served as one function. The builder copies this file
// into the function next to the standalone `server.js` and names it the handler (`.vc-config.json`, with
// shouldAddHelpers false). Ferry's Node launcher imports it: importing starts Next's own server in this process on a
// free loopback port and waits until it listens; the exported handler then passes each request to it unchanged
// (method, path and query, headers, body) and streams the answer back.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// Connection options of one hop; Node's server and client set their own.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te',
  'trailer']);

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const port = await freePort();
process.env.PORT = String(port);
process.env.HOSTNAME = '127.0.0.1';
process.env.NEXT_TELEMETRY_DISABLED = '1';
createRequire(import.meta.url)(path.join(HERE, 'server.js'));
// The launcher's start timeout bounds this wait; Next exits on its own when it cannot listen.
while (!(await listening(port))) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}

const agent = new http.Agent({ keepAlive: true });

function withoutHopByHop(raw) {
  const headers = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  }
  return headers;
}

export default function handler(req, res) {
  return new Promise((resolve) => {
    const upstream = http.request({
      host: '127.0.0.1', port, agent, method: req.method, path: req.url, headers: withoutHopByHop(req.rawHeaders),
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.statusMessage, withoutHopByHop(answer.rawHeaders));
      answer.pipe(res);
      answer.once('end', resolve);
      answer.once('error', () => { res.destroy(); resolve(); });
    });
    upstream.once('error', (error) => {
      console.error('The Next.js server did not answer:', error.message);
      if (!res.headersSent) {
        res.statusCode = 502;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('The Next.js server did not answer');
      } else {
        res.destroy();
      }
      resolve();
    });
    req.pipe(upstream);
  });
}
