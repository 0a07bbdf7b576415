/**
 * The CLI's HTTPS connection: `undici` with the TLS and timeout options the AWS CLI has
 * (`--no-verify-ssl`, `--ca-bundle`, `--cli-connect-timeout`, `--cli-read-timeout`), and the
 * network failures worded as botocore words them (botocore/exceptions.py), each of which the AWS
 * CLI prints on stderr with exit code 255.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CliError } from './args.js';
import { pyRepr } from './format.js';
import { pythonInt } from './settings.js';

// undici is loaded when a request is about to be sent: it took ~120 ms to load, which `--help`,
// `--version` and a refused parameter need not pay.
const require = createRequire(import.meta.url);

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
 * undici Agent options for the global options: certificate checks on unless `--no-verify-ssl`;
 * `--ca-bundle` (else `AWS_CA_BUNDLE`, else the profile's `ca_bundle`) replaces the default CAs,
 * as botocore's `verify=<path>` does; the connect timeout covers TCP and the TLS handshake, the
 * read timeout the wait for headers and between body chunks.
 */
export function agentOptions({ verifySsl = true, caBundle, connectTimeoutMs, readTimeoutMs }) {
  const connect = { rejectUnauthorized: verifySsl, timeout: connectTimeoutMs };
  if (verifySsl && caBundle) {
    try {
      connect.ca = readFileSync(caBundle, 'utf8');
    } catch {
      throw new CliError(`\nCould not find a suitable TLS CA certificate bundle, invalid path: ${caBundle}\n`, 255);
    }
  }
  return { connect, headersTimeout: readTimeoutMs, bodyTimeout: readTimeoutMs };
}

/**
 * A `fetch` for `EksAuthClient` over its own connection pool. `base` (a test hook) replaces
 * undici's fetch and still receives the dispatcher. Close the returned `agent` when done.
 */
export function createTransport(options, { base, userAgent } = {}) {
  const undici = require('undici');
  const agent = new undici.Agent(agentOptions(options));
  base ??= undici.fetch;
  const fetch = (url, init = {}) => base(url, {
    ...init,
    headers: userAgent ? { ...init.headers, 'user-agent': userAgent } : init.headers,
    dispatcher: agent,
  });
  return { fetch, agent };
}

/** The deepest cause of a failed fetch: undici wraps socket and TLS errors in `TypeError('fetch failed')`. */
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
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return `Connect timeout on endpoint URL: "${url}"`;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || error?.code === 'TimeoutError') {
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
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return `Connection was closed before we received a valid response from endpoint URL: "${url}".`;
  }
  return `Could not connect to the endpoint URL: "${url}"`;
}
