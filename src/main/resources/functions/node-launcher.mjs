// Ferry's Node.js function launcher: loads the user's handler and serves it over HTTP on a loopback port, one
// request at a time (the pool sends one at a time). Usage: node node-launcher.mjs <function dir> <handler> <helpers>
// (<handler> `--spare`: wait for Ferry to assign a function, see `assign`)
// Supported forms: `export default function handler(req, res)` (CommonJS `module.exports = ...` too) with Vercel's
// helpers, Web handlers (`export function GET(request)` ... returning a Response; `export default { fetch }`).
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';

const [functionDir, handlerFile, helpersFlag] = process.argv.slice(2);
let addHelpers = helpersFlag !== '0';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

process.on('uncaughtException', (error) => {
  console.error('Uncaught exception, the instance stops:', error && error.stack ? error.stack : error);
  process.exit(70);
});
process.on('unhandledRejection', (error) => {
  console.error('Unhandled promise rejection:', error && error.stack ? error.stack : error);
});

// A spare (`--spare`) starts without a function and waits for Ferry to give it one (see assign below).
const spare = handlerFile === '--spare';
const spareToken = process.env.FERRY_SPARE_TOKEN;
delete process.env.FERRY_SPARE_TOKEN;
let loaded;
let nodeHandler;
let hasWeb = false;

async function load(file) {
  loaded = await import(pathToFileURL(path.resolve(functionDir, file)).href);
  if (loaded && loaded.default && typeof loaded.default === 'object' && loaded.default.__esModule) {
    loaded = loaded.default;
  }
  nodeHandler = typeof loaded.default === 'function' ? loaded.default
    : typeof loaded === 'function' ? loaded : undefined;
  hasWeb = METHODS.some((m) => typeof loaded[m] === 'function')
    || (loaded.default && typeof loaded.default.fetch === 'function');
  if (!nodeHandler && !hasWeb) {
    console.error(`${file} exports no handler: export a default function (req, res) or GET/POST/... functions`);
    process.exit(78);
  }
}

/** The Web handler for a method, if the module has that form. */
function webHandler(method) {
  const named = loaded[method] || (method === 'HEAD' ? loaded.GET : undefined);
  if (typeof named === 'function') return named;
  const def = loaded.default;
  if (def && typeof def === 'object' && typeof def.fetch === 'function') return def.fetch.bind(def);
  return undefined;
}

if (!spare) await load(handlerFile);

/**
 * Ferry gives a spare its function: the deployment's variables replace the environment, then the handler is loaded.
 * Only once, and only with the token the spare was started with.
 */
async function assign(req, res) {
  const body = await readBody(req);
  if (!spareToken || loaded || req.method !== 'POST' || req.headers['x-ferry-spare-token'] !== spareToken) {
    res.statusCode = 403; res.end('not a spare waiting for a function'); return;
  }
  const { handler, env, helpers } = JSON.parse(body.toString('utf8'));
  addHelpers = helpers !== false;
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
  await load(handler);
  res.end('ok');
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function parseCookies(header) {
  const cookies = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try { value = decodeURIComponent(value); } catch { /* kept as sent */ }
    if (name && !(name in cookies)) cookies[name] = value;
  }
  return cookies;
}

function parseQuery(url) {
  const query = {};
  for (const [key, value] of new URL(url, 'http://localhost').searchParams) {
    if (key in query) query[key] = [].concat(query[key], value);
    else query[key] = value;
  }
  return query;
}

class BodyError extends Error {}

function parseBody(body, contentType) {
  if (!body || body.length === 0) return undefined;
  const type = (contentType || '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try { return JSON.parse(body.toString('utf8')); } catch { throw new BodyError('Invalid JSON body'); }
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  if (type.startsWith('text/')) return body.toString('utf8');
  return body;
}

function addResponseHelpers(res) {
  res.status = (code) => { res.statusCode = code; return res; };
  res.send = (body) => {
    if (body === undefined || body === null) { res.end(); return res; }
    if (Buffer.isBuffer(body)) {
      if (!res.getHeader('content-type')) res.setHeader('content-type', 'application/octet-stream');
      res.end(body);
    } else if (typeof body === 'object') {
      return res.json(body);
    } else {
      if (!res.getHeader('content-type')) res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(String(body));
    }
    return res;
  };
  res.json = (value) => {
    if (!res.getHeader('content-type')) res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(value));
    return res;
  };
  res.redirect = (statusOrUrl, maybeUrl) => {
    const [status, url] = typeof statusOrUrl === 'number' ? [statusOrUrl, maybeUrl] : [307, statusOrUrl];
    res.statusCode = status;
    res.setHeader('location', url);
    res.end();
    return res;
  };
}

async function sendWebResponse(response, res, method) {
  if (!(response instanceof Response)) {
    throw new TypeError('The handler did not return a Response');
  }
  res.statusCode = response.status;
  const cookies = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  if (cookies.length) res.setHeader('set-cookie', cookies);
  if (!response.body || method === 'HEAD') { res.end(); return; }
  res.flushHeaders();
  for await (const chunk of response.body) res.write(chunk);
  res.end();
}

async function invoke(req, res) {
  const body = await readBody(req);
  const method = req.method.toUpperCase();
  const web = webHandler(method);
  if (web || (!nodeHandler && hasWeb)) {
    if (!web) { res.statusCode = 405; res.end('Method Not Allowed'); return; }
    const url = new URL(req.url, `http://${req.headers.host || 'localhost'}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const request = new Request(url, { method, headers, body: ['GET', 'HEAD'].includes(method) || body.length === 0 ? undefined : body });
    await sendWebResponse(await web(request), res, method);
    return;
  }
  if (addHelpers) {
    req.query = parseQuery(req.url);
    req.cookies = parseCookies(req.headers.cookie);
    try {
      req.body = parseBody(body, req.headers['content-type']);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      res.statusCode = 400; res.end(error.message); return;
    }
    addResponseHelpers(res);
  }
  // The body was read already; a handler that reads the stream itself gets it again.
  const replay = Readable.from(body.length ? [body] : []);
  req.on = replay.on.bind(replay);
  req.once = replay.once.bind(replay);
  req[Symbol.asyncIterator] = replay[Symbol.asyncIterator].bind(replay);
  req.pipe = replay.pipe.bind(replay);
  const returned = await nodeHandler(req, res);
  if (returned instanceof Response && !res.headersSent) {
    await sendWebResponse(returned, res, method);
  }
}

const server = http.createServer((req, res) => {
  const serve = loaded ? invoke : spare && req.url === '/__ferry/assign' ? assign : undefined;
  if (!serve) { res.statusCode = 503; res.end('This instance has no function yet'); return; }
  serve(req, res).catch((error) => {
    console.error(error && error.stack ? error.stack : error);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('A server error occurred in the function');
    } else {
      res.destroy();
    }
  });
});
// Ferry keeps one connection per instance open for as long as the instance lives.
server.keepAliveTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`FERRY_FUNCTION_READY ${server.address().port}\n`);
});
