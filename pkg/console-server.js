/**
 * The browser debugging console's server (node:http, loopback only).
 *
 * It serves the console page (`www/`), the package's browser entry (`pkg/*.js`, `pkg/wasm/*`, the
 * `.wasm` as `application/wasm`) and a same-origin proxy: EKS Auth sends no CORS headers, so the
 * page signs its request for the configured endpoint and sends it here; the proxy forwards it to
 * that one endpoint unchanged and hands back status, headers and body.
 *
 *   page ── POST /proxy/clusters/{name}/assume-role-for-pod-identity ──▶ console server
 *        ◀─ status, headers, body ──────────────────────────────────────   │ same method, signed
 *                                                                          ▼ headers and body bytes
 *                                                       the configured EKS Auth endpoint (only it)
 *
 * Defences: binds loopback only; refuses a `Host` header that is not its own address and port
 * (DNS rebinding), two `Host` headers and a cross-site `Origin`; serves only the files it names
 * (any other path, dot segments included, is 404); forwards only POSTs under `/clusters/` whose
 * path has no dot segment (`.` or `..`, percent-encoded or not: the endpoint could resolve it
 * above `/clusters/`) to the one endpoint (never to a URL from the page: no open proxy), without
 * the browser's cookies, origin or referer; logs (when asked) method, path, status and duration —
 * never headers or bodies.
 */
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hostAllowed, resolveEndpoint } from 'eks-auth-wasm';

// Not imported: an ES import of node:http loads undici on Node 22 (see transport.js).
const { createServer, request: httpRequest } = process.getBuiltinModule('node:http');
const { request: httpsRequest } = process.getBuiltinModule('node:https');

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Route prefix of the proxy; what follows is the path under the configured endpoint. */
export const PROXY_PATH = '/proxy';
/** Marks answers the proxy makes itself (upstream unreachable or too slow), so the page can tell
 * them from the endpoint's own answers. */
export const PROXY_ERROR_HEADER = 'x-eks-auth-console-error';
const MAX_BODY_BYTES = 1024 * 1024;
/** `eks-auth console`'s port: next to the agent's 2703 (probes), 2705 (metrics) and the sidecar's 2706. */
export const DEFAULT_CONSOLE_PORT = 2707;
const UPSTREAM_TIMEOUT_MS = 15_000;

/** Non-secret fields the page may be pre-filled with. */
const DEFAULT_FIELDS = ['region', 'clusterName', 'endpoint', 'useFips', 'eksNodeName', 'instanceId', 'zone'];

/** Files served, by URL path: the page and the package's browser entry, nothing else. */
const ROUTES = [
  { pattern: /^\/www\/([A-Za-z0-9_-]+\.(?:html|js|css))$/, dir: 'www' },
  { pattern: /^\/pkg\/([A-Za-z0-9_-]+\.js)$/, dir: 'pkg' },
  { pattern: /^\/pkg\/wasm\/([A-Za-z0-9_-]+\.(?:js|wasm))$/, dir: 'pkg/wasm' },
];
const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  wasm: 'application/wasm',
  json: 'application/json; charset=utf-8',
};
/** The page may load only its own files, compile wasm and talk to its own origin. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'content-length', 'host',
]);
/** Never forwarded upstream, even when the page lists them as signed. */
const NOT_FORWARDED = new Set(['cookie', 'origin', 'referer']);

/**
 * Starts the console server and resolves once it listens.
 * @param {{ port?: number, endpoint?: string, host?: string,
 *   defaults?: { region?: string, clusterName?: string, endpoint?: string, useFips?: boolean,
 *     eksNodeName?: string, instanceId?: string, zone?: string },
 *   devCredentials?: { accessKeyId: string, secretAccessKey: string, sessionToken?: string },
 *   log?: (record: { time: string, method: string, path: string, status: number, durationMs: number }) => void,
 *   upstreamTimeoutMs?: number }} options
 *   `endpoint`: the EKS Auth endpoint the proxy forwards to (default: the regional endpoint of
 *   `defaults.region`). `devCredentials`: a fake development key (the emulator's `DEFAULT_CALLER`)
 *   for `/defaults.json`; accepted only when the endpoint is on loopback.
 * @returns {Promise<{ url: string, port: number, host: string, endpoint: string, close(): Promise<void> }>}
 */
export async function startConsoleServer({
  port = 0, endpoint, host = '127.0.0.1', defaults = {}, devCredentials, log, upstreamTimeoutMs = UPSTREAM_TIMEOUT_MS,
} = {}) {
  if (!isLoopback(host)) throw new TypeError(`the console binds loopback only (127.0.0.0/8, ::1, localhost), not '${host}'`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`port must be 0..65535, got ${port}`);
  for (const key of Object.keys(defaults)) {
    if (!DEFAULT_FIELDS.includes(key)) throw new TypeError(`defaults.${key}: only non-secret fields may be pre-filled (${DEFAULT_FIELDS.join(', ')})`);
  }
  // The core's endpoint rules: https, or http on loopback only; normalized as requests will carry it.
  const target = resolveEndpoint(endpoint === undefined
    ? { region: defaults.region, useFips: defaults.useFips }
    : { endpoint });
  const upstream = new URL(target);
  if (devCredentials !== undefined) {
    if (!isLoopback(upstream.hostname)) throw new TypeError('devCredentials are for a local emulator: the endpoint must be on loopback');
    const { accessKeyId, secretAccessKey, sessionToken } = devCredentials ?? {};
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || (sessionToken !== undefined && typeof sessionToken !== 'string')) {
      throw new TypeError('devCredentials must be { accessKeyId, secretAccessKey, sessionToken? } strings');
    }
  }
  const defaultsBody = JSON.stringify({
    ...Object.fromEntries(Object.entries(defaults).filter(([, v]) => v !== undefined)),
    // A custom endpoint pre-fills the page's field; a regional one is what the page resolves itself
    // (pre-filling it would turn FIPS into "FIPS and custom endpoint").
    endpoint: defaults.endpoint ?? (endpoint === undefined ? undefined : target),
    proxy: { path: PROXY_PATH, target },
    ...(devCredentials ? { devCredentials: pick(devCredentials, ['accessKeyId', 'secretAccessKey', 'sessionToken']) } : {}),
  });

  const bareHost = host.replace(/^\[|\]$/g, '');
  let boundPort;
  const server = createServer((request, response) => {
    const started = performance.now();
    response.on('finish', () => log?.({
      time: new Date().toISOString(), method: request.method, path: pathOf(request.url),
      status: response.statusCode, durationMs: Math.round(performance.now() - started),
    }));
    handle(request, response).catch(() => {
      if (!response.headersSent) plain(response, 500, 'console server error');
      else response.destroy();
    });
  });

  async function handle(request, response) {
    // Node keeps the first of two Host headers; which one a server behind us would read is unknown.
    if (hostHeaders(request.rawHeaders) > 1) return plain(response, 400, 'two Host headers');
    // DNS rebinding: a page elsewhere reaching this port through a name it controls.
    if (!ownAddress(request.headers.host)) return plain(response, 403, 'Host not served here');
    const url = request.url ?? '';
    if (!url.startsWith('/')) return plain(response, 400, 'origin-form request target expected');
    const path = pathOf(url);
    if (path === PROXY_PATH || path.startsWith(`${PROXY_PATH}/`)) return proxy(request, response, url.slice(PROXY_PATH.length));
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
    if (path === '/') {
      response.writeHead(302, { location: `/www/${url.slice(1)}`, 'cache-control': 'no-store' });
      return response.end();
    }
    if (path === '/defaults.json') return send(response, 200, TYPES.json, defaultsBody, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    const file = path === '/www/' ? { dir: 'www', name: 'index.html' } : staticFile(path);
    if (!file) return plain(response, 404, 'not found');
    let bytes;
    try {
      bytes = await readFile(join(ROOT, file.dir, file.name));
    } catch {
      return plain(response, 404, 'not found');
    }
    return send(response, 200, TYPES[file.name.slice(file.name.lastIndexOf('.') + 1)], request.method === 'HEAD' ? '' : bytes, PAGE_HEADERS, bytes.length);
  }

  /** Forwards one signed request to the configured endpoint; `rest` is the path after `/proxy`. */
  async function proxy(request, response, rest) {
    if (!sameOrigin(request.headers)) return plain(response, 403, 'cross-site request refused');
    if (hasDotSegment(pathOf(rest))) return plain(response, 400, 'the proxy refuses dot segments (. or ..) in the path');
    if (request.method !== 'POST') return plain(response, 405, 'the proxy forwards POST only', { allow: 'POST' });
    // Only the operation's path under the one endpoint: the page cannot name another host.
    if (!rest.startsWith('/clusters/')) return plain(response, 404, `the proxy forwards ${PROXY_PATH}/clusters/... only`);
    const body = await readBody(request);
    if (body === undefined) return plain(response, 413, 'request body too large');

    const signed = signedHeaderNames(request.headers.authorization);
    const headers = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i].toLowerCase();
      if (HOP_BY_HOP.has(name) || NOT_FORWARDED.has(name)) continue;
      if (name === 'authorization' || name === 'content-type' || name.startsWith('x-amz-') || signed.has(name)) {
        headers.push(request.rawHeaders[i], request.rawHeaders[i + 1]);
      }
    }
    headers.push('Host', upstream.host, 'Content-Length', String(body.length));

    const prefix = upstream.pathname === '/' ? '' : upstream.pathname;
    let answer;
    try {
      answer = await forward({
        protocol: upstream.protocol,
        hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
        port: upstream.port || undefined,
        method: 'POST',
        path: prefix + rest,
        headers,
        agent: false,
        setHost: false,
      }, body, upstreamTimeoutMs);
    } catch (error) {
      const timedOut = error?.code === 'ETIMEDOUT';
      const message = timedOut
        ? `${target} did not answer within ${upstreamTimeoutMs} ms`
        : `could not reach ${target}: ${error?.code ?? error?.message ?? 'connection failed'}`;
      return send(response, timedOut ? 504 : 502, TYPES.json, JSON.stringify({ message }), {
        [PROXY_ERROR_HEADER]: timedOut ? 'TimeoutError' : 'NetworkError', 'cache-control': 'no-store',
      });
    }
    // The endpoint's answer as it came: status, headers (less hop-by-hop ones), body bytes. No
    // Date of our own: the page reads the server's clock from it.
    response.sendDate = false;
    response.statusCode = answer.status;
    if (answer.statusMessage) response.statusMessage = answer.statusMessage;
    const grouped = new Map();
    for (let i = 0; i < answer.rawHeaders.length; i += 2) {
      const name = answer.rawHeaders[i];
      if (HOP_BY_HOP.has(name.toLowerCase())) continue;
      const key = name.toLowerCase();
      if (!grouped.has(key)) grouped.set(key, [name, []]);
      grouped.get(key)[1].push(answer.rawHeaders[i + 1]);
    }
    for (const [name, values] of grouped.values()) response.setHeader(name, values.length === 1 ? values[0] : values);
    response.setHeader('Content-Length', answer.body.length);
    response.end(answer.body);
  }

  function ownAddress(hostHeader) {
    if (typeof hostHeader !== 'string' || !hostAllowed(hostHeader, [bareHost])) return false;
    return portOf(hostHeader) === String(boundPort);
  }

  /** `Origin`, when a browser sends one, must be this server; `Sec-Fetch-Site` must be same-origin. */
  function sameOrigin(headers) {
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const origin = headers.origin;
    if (origin === undefined) return true;
    try {
      const parsed = new URL(origin);
      return parsed.protocol === 'http:' && ownAddress(parsed.host);
    } catch {
      return false;
    }
  }

  server.listen({ host: bareHost, port });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => { throw error; })]);
  boundPort = server.address().port;
  const shown = bareHost.includes(':') ? `[${bareHost}]` : bareHost;
  let closed;
  return {
    url: `http://${shown}:${boundPort}/`,
    port: boundPort,
    host: bareHost,
    /** Where the proxy forwards. */
    endpoint: target,
    close() {
      closed ??= (async () => {
        const done = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await done;
      })();
      return closed;
    },
  };
}

/** One request upstream; resolves to status, raw headers and body bytes. */
function forward(options, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const send = options.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(options, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({
        status: response.statusCode, statusMessage: response.statusMessage, rawHeaders: response.rawHeaders, body: Buffer.concat(chunks),
      }));
      response.on('error', reject);
    });
    if (timeoutMs > 0) {
      request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })));
    }
    request.on('error', reject);
    request.end(body);
  });
}

/** Names in the `SignedHeaders=` of a SigV4 `Authorization` header. */
function signedHeaderNames(authorization) {
  const match = /SignedHeaders=([^,\s]+)/.exec(typeof authorization === 'string' ? authorization : '');
  return new Set(match ? match[1].toLowerCase().split(';').filter((n) => n !== 'host') : []);
}

async function readBody(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function staticFile(path) {
  for (const { pattern, dir } of ROUTES) {
    const match = pattern.exec(path);
    if (match) return { dir, name: match[1] };
  }
  return undefined;
}

function send(response, status, type, body, headers = {}, length = Buffer.byteLength(body)) {
  response.writeHead(status, { 'content-type': type, 'content-length': length, ...headers });
  response.end(body);
}

function plain(response, status, message, headers = {}) {
  send(response, status, 'text/plain; charset=utf-8', `${message}\n`, { 'cache-control': 'no-store', ...headers });
}

function hostHeaders(rawHeaders) {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].length === 4 && rawHeaders[i].toLowerCase() === 'host') count += 1;
  return count;
}

/** Whether `path` has a `.` or `..` segment once percent-decoded (a malformed escape counts too). */
function hasDotSegment(path) {
  let decoded;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  return decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

function pathOf(url = '') {
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}

/** The port of a `Host` value (`name:port`, `[v6]:port`); '' when none. */
function portOf(hostHeader) {
  const h = hostHeader.trim();
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    return close >= 0 && h[close + 1] === ':' ? h.slice(close + 2) : '';
  }
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(colon + 1) : '';
}

function isLoopback(host) {
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]));
}

export const CONSOLE_USAGE = `usage: eks-auth console [options]

The browser debugging console for the EKS Pod Identity credential exchange, on loopback. Its Send
goes through this server's proxy to one EKS Auth endpoint: --endpoint, or the regional endpoint of
--region (default: AWS_REGION, then AWS_DEFAULT_REGION). Nothing else leaves the machine.

Options:
  --endpoint URL        EKS Auth endpoint the proxy forwards to (http:// only on loopback, e.g. an emulator)
  --region REGION       region: the regional endpoint, and the page's pre-filled region
  --use-fips            the region's FIPS endpoint
  --cluster-name NAME   pre-fill the page's cluster name
  --port PORT           port on 127.0.0.1 (default: ${DEFAULT_CONSOLE_PORT}; 0: a free one)
  --help                this text
`;

/**
 * `eks-auth console`: serves the console until SIGINT/SIGTERM (or `signal`), printing its URL on
 * stdout and one JSON line per request on stderr (method, path, status, duration: never a header
 * or body). Resolves to the exit code.
 */
export async function runConsoleCli(argv, { stdout = process.stdout, stderr = process.stderr, env = process.env, signal } = {}) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        endpoint: { type: 'string' },
        region: { type: 'string' },
        'use-fips': { type: 'boolean' },
        'cluster-name': { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    stderr.write(`${CONSOLE_USAGE}\neks-auth console: error: ${e.message}\n`);
    return 2;
  }
  if (values.help) {
    stdout.write(CONSOLE_USAGE);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_CONSOLE_PORT : Number(values.port);
  const region = values.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    stderr.write(`eks-auth console: error: --port must be a port number, got ${values.port}\n`);
    return 2;
  }
  if (values.endpoint === undefined && region === undefined) {
    stderr.write('eks-auth console: error: give --endpoint or --region (or AWS_REGION): the proxy forwards to one EKS Auth endpoint\n'
      + '  (for a local emulator with the console: eks-auth start)\n');
    return 2;
  }
  if (!existsSync(join(ROOT, 'pkg', 'wasm', 'eks_auth_wasm_bg.wasm'))) {
    stderr.write('eks-auth console: error: pkg/wasm is missing: run npm run build\n');
    return 2;
  }
  let server;
  try {
    server = await startConsoleServer({
      port,
      endpoint: values.endpoint,
      defaults: { region, clusterName: values['cluster-name'], ...(values['use-fips'] ? { useFips: true } : {}) },
      log: (record) => stderr.write(`${JSON.stringify(record)}\n`),
    });
  } catch (e) {
    stderr.write(`eks-auth console: error: ${e.message}\n`);
    return 2;
  }
  stdout.write(`console: ${server.url} (Send forwards to ${server.endpoint})\n`);
  const stop = new AbortController();
  const handlers = { SIGINT: () => stop.abort('SIGINT'), SIGTERM: () => stop.abort('SIGTERM') };
  for (const [name, fn] of Object.entries(handlers)) process.once(name, fn);
  signal?.addEventListener('abort', () => stop.abort('signal'), { once: true });
  await once(stop.signal, 'abort');
  for (const [name, fn] of Object.entries(handlers)) process.off(name, fn);
  await server.close();
  return stop.signal.reason === 'SIGINT' ? 130 : 0;
}
