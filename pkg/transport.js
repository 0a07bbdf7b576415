/**
 * The Node hosts' `fetch` for `EksAuthClient` (the CLI's and the sidecar's): Node's own
 * `http`/`https` over kept-alive connections, with a connect timeout (TCP and TLS) and a read
 * timeout (until the headers, then between body chunks), both on one `Deadline` per request, and
 * at most `maxSockets` connections per endpoint.
 *
 * Not Node's global `fetch`: it is undici inside, which Node loads at the first call (~30 ms here),
 * and whose HTTP parser is wasm that V8 then compiles in the background. That was ~100 ms of a
 * CLI run (the CLI runs at every `credential_process` refresh) and ~30 ms of the sidecar's first
 * answer. Node's `http` parses with native code.
 *
 * `http` is taken with `process.getBuiltinModule`, not imported: since Node 22 its exports include
 * `WebSocket`, `CloseEvent` and `MessageEvent`, getters that load undici, and an ES import reads
 * every export to build the module's namespace (nodejs/node#59686; ~10 MiB, ~50 ms).
 *
 * Through a proxy when `connection.proxy` names one for the URL (the sidecar's, from the
 * environment by Go's rules, `proxy.js`): https through a CONNECT tunnel (hpagent's agent, kept
 * alive like the direct ones), http as an absolute-URL request to the proxy, as Go's transport.
 * The connect timeout then covers the proxy's connection, the tunnel and the TLS handshake.
 */
import { createRequire } from 'node:module';
import { Deadline } from './deadline.js';

const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');
const require = createRequire(import.meta.url);

/** A failure of the connection itself: `code` is `ConnectTimeout` or `ReadTimeout`. */
export class ConnectionError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** What `fetch` resolves to, as much of a `Response` as `EksAuthClient` and the CLI's `--debug` read. */
class Answer {
  #body;

  constructor(status, headers, body) {
    this.status = status;
    this.headers = new Map(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
    this.#body = body;
  }

  async arrayBuffer() {
    return this.#body.buffer.slice(this.#body.byteOffset, this.#body.byteOffset + this.#body.byteLength);
  }

  async text() {
    return this.#body.toString('utf8');
  }

  clone() {
    return new Answer(this.status, Object.fromEntries(this.headers), this.#body);
  }
}

/**
 * One request: resolves with the whole answer, or rejects with the socket's or TLS's own error
 * (its `code` as Node gives it), a `ConnectionError` for a timeout, or the signal's reason.
 */
function send(url, init, agents, { connectTimeoutMs, readTimeoutMs }) {
  return new Promise((resolve, reject) => {
    const { signal } = init;
    if (signal?.aborted) return reject(signal.reason);
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const headers = { ...init.headers };
    // As fetch sends a body it knows whole: with its length, not in chunks.
    if (init.body !== undefined && init.body !== null) headers['content-length'] = Buffer.byteLength(init.body);
    const method = init.method ?? 'GET';
    const proxy = agents.proxyFor(target);
    if (proxy !== undefined && !PROXY_PROTOCOLS.has(proxy.protocol)) {
      return reject(new ConnectionError(`the ${proxy.protocol.slice(0, -1)} proxy ${proxy.host} is not supported: use an http or https proxy`, 'UnsupportedProxy'));
    }
    let request;
    if (proxy === undefined) {
      request = (secure ? https : http).request(target, { method, headers, agent: agents[target.protocol] });
    } else if (secure) {
      // The deadline below ends this request at the connect timeout; `timeout` (twice that, so
      // the deadline's error is the one seen) ends the agent's own CONNECT request after it.
      request = https.request(target, { method, headers, agent: agents.tunnel(proxy), timeout: 2 * connectTimeoutMs || undefined });
    } else {
      request = (proxy.protocol === 'https:' ? https : http).request({
        protocol: proxy.protocol,
        hostname: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
        path: target.href,
        method,
        headers: { ...headers, host: target.host, ...proxyAuthorization(proxy) },
        agent: agents.forward(proxy),
      });
    }
    let stream = request; // what the deadline ends: the request, then the response
    // The caller's signal, the connect timeout, then the read timeout: whichever ends it first.
    const deadline = new Deadline(signal);
    const settle = (error, answer) => {
      deadline.clear();
      if (error) reject(error);
      else resolve(answer);
    };
    const connectTimeout = () => new ConnectionError(
      proxy === undefined ? 'no connection within the connect timeout' : `no connection through the proxy ${proxy.host} within the connect timeout`,
      'ConnectTimeout',
    );
    const readTimeout = () => new ConnectionError('no answer within the read timeout', 'ReadTimeout');
    const reading = () => deadline.arm(readTimeoutMs, readTimeout);
    // Settled at once: a request with no socket yet (a tunnel being set up) reports its error
    // only when the agent gives up.
    deadline.signal.addEventListener('abort', () => {
      stream.destroy(deadline.signal.reason);
      settle(deadline.signal.reason);
    }, { once: true });
    // Through a proxy the socket comes once the tunnel is up: the connect timeout starts now.
    if (proxy !== undefined) deadline.arm(connectTimeoutMs, connectTimeout);
    request.on('error', (error) => settle(error));
    request.on('socket', (socket) => {
      if (socket.connecting) {
        deadline.arm(connectTimeoutMs, connectTimeout);
        socket.once(secure && proxy === undefined ? 'secureConnect' : 'connect', reading);
      } else if (secure && socket.encrypted && !socket.authorized && socket.authorizationError == null) {
        socket.once('secureConnect', reading); // a new tunnel: TLS with the endpoint under way
      } else {
        reading(); // a kept-alive connection
      }
    });
    request.on('response', (response) => {
      stream = response;
      const chunks = [];
      reading();
      response.on('data', (chunk) => {
        chunks.push(chunk);
        reading();
      });
      response.on('error', (error) => settle(error));
      response.on('end', () => settle(null, new Answer(response.statusCode, response.headers, Buffer.concat(chunks))));
    });
    request.end(init.body ?? undefined);
  });
}

const PROXY_PROTOCOLS = new Set(['http:', 'https:']);

/** `Proxy-Authorization` from the proxy URL's user and password, as Go sends it. */
function proxyAuthorization(proxy) {
  if (proxy.username === '' && proxy.password === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/**
 * A `fetch` for `EksAuthClient` over its own kept-alive connections.
 * @param {{ tls?: import('node:tls').ConnectionOptions, connectTimeoutMs?: number, readTimeoutMs?: number,
 *   maxSockets?: number, proxy?: (url: URL) => URL | undefined }} [connection] TLS options for
 *   https (certificate checks, CAs; an https proxy's too); timeouts in ms, 0 or none = no limit;
 *   `maxSockets`: connections per endpoint at most (more requests wait for one), default no
 *   limit; `proxy`: the proxy for a URL, undefined for a direct connection (`proxyFromEnvironment`)
 * @param {{ base?: typeof fetch, userAgent?: string }} [options] `base` (a test hook) replaces the request
 * @returns {{ fetch: typeof fetch, close(): void }} `close()` when done: it ends the kept-alive connections
 */
export function createTransport(connection = {}, { base, userAgent } = {}) {
  const pool = connection.maxSockets > 0 ? { maxSockets: connection.maxSockets, maxTotalSockets: connection.maxSockets } : {};
  const all = [];
  const made = (agent) => {
    all.push(agent);
    return agent;
  };
  const byProxy = new Map();
  const perProxy = (kind, make) => (proxy) => {
    const key = `${kind} ${proxy.href}`;
    let agent = byProxy.get(key);
    if (agent === undefined) byProxy.set(key, agent = made(make(proxy)));
    return agent;
  };
  const agents = {
    'http:': made(new http.Agent({ keepAlive: true, ...pool })),
    'https:': made(new https.Agent({ keepAlive: true, ...pool, ...connection.tls })),
    proxyFor: connection.proxy ?? (() => undefined),
    tunnel: perProxy('tunnel', (proxy) => {
      // Loaded only when a proxy is used.
      const { HttpsProxyAgent } = require('hpagent');
      return new HttpsProxyAgent({ keepAlive: true, ...pool, ...connection.tls, proxy, proxyRequestOptions: { ...connection.tls } });
    }),
    forward: perProxy('forward', (proxy) => (proxy.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, ...pool, ...connection.tls })
      : new http.Agent({ keepAlive: true, ...pool }))),
  };
  const fetch = (url, init = {}) => {
    const sent = { ...init, headers: userAgent ? { ...init.headers, 'user-agent': userAgent } : init.headers };
    // A connect timeout the request names (EksAuthClient's `connectTimeoutMs`) overrides the connection's.
    const timeouts = init.connectTimeoutMs === undefined ? connection : { ...connection, connectTimeoutMs: init.connectTimeoutMs };
    return base ? base(url, sent) : send(url, sent, agents, timeouts);
  };
  const close = () => {
    for (const agent of all) agent.destroy();
  };
  return { fetch, close };
}

