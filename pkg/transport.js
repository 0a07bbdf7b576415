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
 */
import { Deadline } from 'eks-auth-wasm';

const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

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
    const request = (secure ? https : http).request(target, { method: init.method ?? 'GET', headers, agent: agents[target.protocol] });
    let stream = request; // what the deadline ends: the request, then the response
    // The caller's signal, the connect timeout, then the read timeout: whichever ends it first.
    const deadline = new Deadline(signal);
    const settle = (error, answer) => {
      deadline.clear();
      if (error) reject(error);
      else resolve(answer);
    };
    const connectTimeout = () => new ConnectionError('no connection within the connect timeout', 'ConnectTimeout');
    const readTimeout = () => new ConnectionError('no answer within the read timeout', 'ReadTimeout');
    const reading = () => deadline.arm(readTimeoutMs, readTimeout);
    deadline.signal.addEventListener('abort', () => stream.destroy(deadline.signal.reason), { once: true });
    request.on('error', (error) => settle(error));
    request.on('socket', (socket) => {
      if (!socket.connecting) return reading(); // a kept-alive connection
      deadline.arm(connectTimeoutMs, connectTimeout);
      socket.once(secure ? 'secureConnect' : 'connect', reading);
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

/**
 * A `fetch` for `EksAuthClient` over its own kept-alive connections.
 * @param {{ tls?: import('node:tls').ConnectionOptions, connectTimeoutMs?: number, readTimeoutMs?: number,
 *   maxSockets?: number }} [connection] TLS options for https (certificate checks, CAs); timeouts in
 *   ms, 0 or none = no limit; `maxSockets`: connections per endpoint at most (more requests wait
 *   for one), default no limit
 * @param {{ base?: typeof fetch, userAgent?: string }} [options] `base` (a test hook) replaces the request
 * @returns {{ fetch: typeof fetch, close(): void }} `close()` when done: it ends the kept-alive connections
 */
export function createTransport(connection = {}, { base, userAgent } = {}) {
  const pool = connection.maxSockets > 0 ? { maxSockets: connection.maxSockets, maxTotalSockets: connection.maxSockets } : {};
  const agents = {
    'http:': new http.Agent({ keepAlive: true, ...pool }),
    'https:': new https.Agent({ keepAlive: true, ...pool, ...connection.tls }),
  };
  const fetch = (url, init = {}) => {
    const sent = { ...init, headers: userAgent ? { ...init.headers, 'user-agent': userAgent } : init.headers };
    return base ? base(url, sent) : send(url, sent, agents, connection);
  };
  const close = () => {
    for (const agent of Object.values(agents)) agent.destroy();
  };
  return { fetch, close };
}
