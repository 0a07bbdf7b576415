/**
 * `--debug`: the AWS CLI's kind of trace on stderr, one record per step in its log format
 * (`<asctime> - MainThread - <logger> - <LEVEL> - <message>`, clidriver.LOG_FORMAT) under the
 * logger names botocore uses for the same step: arguments, credentials source, endpoint
 * resolution, the SigV4 stages, the request and response headers, retries.
 *
 * Unlike botocore, every record goes through the core's `redact` with the secrets of the run (the
 * token, the caller's secret key and session token, the pod's secret key and session token), and
 * the bodies are shown with those values replaced: a debug log is often pasted into a ticket.
 */
import { redact } from 'eks-auth-wasm';
import { operationOption } from './args.js';
import { pyRepr } from './format.js';

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Python logging's `asctime`: local time, `YYYY-MM-DD HH:MM:SS,mmm`. */
function asctime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

/** Python `repr()` of a header dict as botocore logs it (values as given). */
function headersRepr(headers) {
  return `{${Object.entries(headers).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(String(v))}`).join(', ')}}`;
}

/** Python `repr()` of bytes decoded as UTF-8 text (`b'...'`). */
function bytesRepr(text) {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `b'${out}'`;
}

/** A body as sent or received, with the secrets it carries replaced: the token of a request, the
 * pod's secret key and session token of a response (found by reading it as JSON, and replaced as
 * JSON strings whatever their length, where `redact` leaves values under 8 characters). */
function bodyForLog(text, secrets) {
  let out = text;
  try {
    const value = JSON.parse(text);
    for (const carried of [value?.token, value?.credentials?.secretAccessKey, value?.credentials?.sessionToken]) {
      if (typeof carried === 'string' && carried) out = out.split(JSON.stringify(carried)).join('"<redacted>"');
    }
  } catch {
    // not JSON: only the run's known secrets apply
  }
  return redact(out, secrets);
}

/**
 * A trace writer. `secrets()` is read at each record, since the pod's credentials are learnt late.
 * With `enabled` false every method is a no-op.
 */
export class DebugLog {
  constructor({ enabled, stderr, now, secrets }) {
    this.enabled = enabled;
    this.stderr = stderr;
    this.now = now;
    this.secrets = secrets;
  }

  log(logger, message, level = 'DEBUG') {
    if (!this.enabled) return;
    const secrets = this.secrets();
    this.stderr.write(redact(`${asctime(this.now())} - MainThread - ${logger} - ${level} - ${message}\n`, secrets));
  }

  /** The start of a run: version and the arguments, with inline secrets replaced. */
  start(version, args) {
    this.log('awscli.clidriver', `CLI version: ${version}`);
    this.log('awscli.clidriver', `Arguments entered to CLI: ${pyRepr(hideInlineSecrets(args))}`);
  }

  endpoint(params, url) {
    this.log('botocore.regions', `Calling endpoint provider with parameters: {'Region': ${pyRepr(params.region ?? null)}, 'UseFIPS': ${params.useFips ? 'True' : 'False'}${params.endpoint ? `, 'Endpoint': ${pyRepr(params.endpoint)}` : ''}}`);
    this.log('botocore.regions', `Endpoint provider result: ${url}`);
  }

  /** The SigV4 stages (`signingStages`: the session token already shown as `<redacted>`). */
  signing(stages) {
    if (!stages) {
      this.log('botocore.auth', 'Request is unsigned (--no-sign-request): no credentials loaded.');
      return;
    }
    this.log('botocore.auth', 'Calculating signature using v4 auth.');
    this.log('botocore.auth', `CanonicalRequest:\n${stages.canonicalRequest}`);
    this.log('botocore.auth', `StringToSign:\n${stages.stringToSign}`);
    this.log('botocore.auth', `Signature:\n${stages.signature}`);
  }

  request({ method, url, headers, body }) {
    const shown = { ...headers };
    if (shown['x-amz-security-token']) shown['x-amz-security-token'] = '<redacted>';
    this.log('botocore.endpoint', `Sending http request: <AWSPreparedRequest stream_output=False, method=${method}, url=${url}, headers=${headersRepr(shown)}>`);
    if (body !== undefined) this.log('botocore.endpoint', `Request body:\n${bytesRepr(bodyForLog(body, this.secrets()))}`);
  }

  response({ status, headers, body }) {
    this.log('botocore.parsers', `Response status: ${status}`);
    this.log('botocore.parsers', `Response headers: ${headersRepr(headers)}`);
    if (body !== undefined) this.log('botocore.parsers', `Response body:\n${bytesRepr(bodyForLog(body, this.secrets()))}`);
  }
}

/** The argument list with the values of `--token` and inline `--cli-input-*` documents replaced,
 * however the option is written (`--token x`, `--token=x`, `--tok x`); a `file://` reference is
 * kept: it names a file, not a secret. */
export function hideInlineSecrets(args) {
  const secretOptions = ['--token', '--cli-input-json', '--cli-input-yaml'];
  const isFile = (value) => /^fileb?:\/\//.test(value);
  const out = [...args];
  for (let i = 0; i < out.length; i += 1) {
    const option = operationOption(out[i]);
    if (!option || !secretOptions.includes(option.name)) continue;
    if (option.explicit !== undefined) {
      if (!isFile(option.explicit)) out[i] = `${out[i].slice(0, out[i].indexOf('=') + 1)}<redacted>`;
    } else if (i + 1 < out.length) {
      i += 1;
      if (!isFile(out[i])) out[i] = '<redacted>';
    }
  }
  return out;
}
