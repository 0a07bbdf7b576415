/**
 * The CLI's HTTP(S) connection: Node's own `http`/`https` with the TLS and timeout options the
 * AWS CLI has (`--no-verify-ssl`, `--ca-bundle`, `--cli-connect-timeout`, `--cli-read-timeout`),
 * and the network failures worded as botocore words them (botocore/exceptions.py), each of which
 * the AWS CLI prints on stderr with exit code 255.
 *
 * Not `undici` (nor Node's global `fetch`, which is undici inside): loading it took ~120 ms of every
 * run, and the process then waited ~200 ms at exit for V8 to finish compiling undici's HTTP parser
 * (wasm) in the background. Node's `http` parses with native code. `credential_process` runs this
 * at every refresh of an SDK's credentials.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { CliError } from './args.js';
import { pyRepr } from './format.js';
import { pythonInt } from './settings.js';

/** botocore's `DEFAULT_TIMEOUT`, seconds, for both timeouts. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/** A timeout option in milliseconds: the CLI's `int()` of the value, 0 = none, default 60 s. */
export function timeoutMs(value, kind) {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = pythonInt(value);
  if (seconds < 0) { // urllib3's check, reached at the first request
    throw new CliError(`\nAttempted to set ${kind} timeout to ${seconds}, but the timeout cannot be set to a value less than or equal to 0.\n`, 255);
  }
  return seconds * 1000;
}

/**
 * The connection's options from the global options: certificate checks on unless
 * `--no-verify-ssl`; `--ca-bundle` (else `AWS_CA_BUNDLE`, else the profile's `ca_bundle`) replaces
 * the default CAs, as botocore's `verify=<path>` does; the connect timeout covers TCP and the TLS
 * handshake, the read timeout the wait for headers and between body chunks (0 = none).
 */
export function connectionOptions({ verifySsl = true, caBundle, connectTimeoutMs, readTimeoutMs }) {
  const tls = { rejectUnauthorized: verifySsl };
  if (verifySsl && caBundle) {
    try {
      tls.ca = readFileSync(caBundle, 'utf8');
    } catch {
      throw new CliError(`\nCould not find a suitable TLS CA certificate bundle, invalid path: ${caBundle}\n`, 255);
    }
  }
  return { tls, connectTimeoutMs, readTimeoutMs };
}

/** A failure of the connection itself, with the code `networkErrorText` words. */
class ConnectionError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** What `fetch` resolves to, as much of a `Response` as `EksAuthClient` and `--debug` read. */
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
    let stream = request; // what a timeout or the signal ends: the request, then the response
    let timer;
    const settle = (error, answer) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(answer);
    };
    const arm = (ms, code, message) => {
      clearTimeout(timer);
      if (ms > 0) timer = setTimeout(() => stream.destroy(new ConnectionError(message, code)), ms);
    };
    const reading = () => arm(readTimeoutMs, 'ReadTimeout', 'no answer within the read timeout');
    const onAbort = () => stream.destroy(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => settle(error));
    request.on('socket', (socket) => {
      if (!socket.connecting) return reading(); // a kept-alive connection
      arm(connectTimeoutMs, 'ConnectTimeout', 'no connection within the connect timeout');
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
 * A `fetch` for `EksAuthClient` over its own kept-alive connections. `base` (a test hook)
 * replaces the request. Destroy the returned `agent` when done.
 */
export function createTransport(options, { base, userAgent } = {}) {
  const connection = connectionOptions(options);
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true, ...connection.tls }),
  };
  const fetch = (url, init = {}) => {
    const sent = { ...init, headers: userAgent ? { ...init.headers, 'user-agent': userAgent } : init.headers };
    return base ? base(url, sent) : send(url, sent, agents, connection);
  };
  const agent = {
    async destroy() {
      for (const a of Object.values(agents)) a.destroy();
    },
  };
  return { fetch, agent };
}

/** The deepest cause of a failed request (`EksAuthClient` wraps it in its `NetworkError`). */
function rootCause(error) {
  let e = error;
  while (e?.cause && typeof e.cause === 'object') e = e.cause;
  return e;
}

/** OpenSSL's verification failures, as Python's ssl module names them. */
const CERTIFICATE_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'CERT_SIGNATURE_FAILURE',
]);

/**
 * The stderr text of a request that got no HTTP answer (`EksAuthClient`'s `NetworkError` or
 * `TimeoutError`), as botocore's exception messages: the request URL, then what went wrong. The
 * Python file and line botocore's SSL messages end with (`(_ssl.c:1006)`) are left out.
 */
export function networkErrorText(error, url) {
  const cause = rootCause(error);
  const code = cause?.code;
  if (code === 'ConnectTimeout') return `Connect timeout on endpoint URL: "${url}"`;
  if (code === 'ReadTimeout' || error?.code === 'TimeoutError') {
    return `Read timeout on endpoint URL: "${url}"`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `SSL validation failed for ${url} [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for ${pyRepr(cause.host ?? new URL(url).hostname)}.`;
  }
  if (CERTIFICATE_ERRORS.has(code)) {
    return `SSL validation failed for ${url} [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${cause.message}`;
  }
  if (typeof code === 'string' && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO')) {
    return `SSL validation failed for ${url} ${cause.message}`;
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return `Connection was closed before we received a valid response from endpoint URL: "${url}".`;
  }
  return `Could not connect to the endpoint URL: "${url}"`;
}
