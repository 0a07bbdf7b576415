/**
 * The CLI's HTTP(S) connection: the Node hosts' transport (`pkg/transport.js`, Node's own
 * `http`/`https`) with the TLS and timeout options the AWS CLI has (`--no-verify-ssl`,
 * `--ca-bundle`, `--cli-connect-timeout`, `--cli-read-timeout`), and the network failures worded
 * as botocore words them (botocore/exceptions.py), each of which the AWS CLI prints on stderr with
 * exit code 255.
 */
import { readFileSync } from 'node:fs';
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
