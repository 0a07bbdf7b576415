// The core's API, identical in every host: thin wrappers over the wasm bindings. Each binding takes
// its arguments as one JSON text and answers JSON text (`{ ok }` or `{ error }`, see src/wasm.rs):
// here a `Date` becomes epoch ms, `Headers` become pairs, a body becomes bytes, and an `error`
// answer becomes an `EksAuthError`. Signing and reading a response, on every exchange, pass typed
// input as one buffer and read a leaner answer (src/wasm.rs says how). No protocol logic lives here.
import * as wasm from './wasm/eks_auth_wasm.js';
import { EksAuthError, answerOf, fromWasmError } from './errors.js';
import { isReady, wasmMemory } from './state.js';

export { EksAuthError };

function ready() {
  if (!isReady()) {
    throw new EksAuthError(
      'eks-auth-wasm is not initialized: `await init()` before calling the API (the WebAssembly module is not loaded yet)',
      { code: 'NotInitialized' },
    );
  }
}

/** JSON for the core: a `Date` as its epoch ms; values JSON cannot carry (NaN, ±Infinity, BigInt)
 * as text, so the core names the property at fault instead of seeing `null`. */
function replacer(key, value) {
  const raw = this[key];
  const v = raw instanceof Date ? raw.getTime() : value;
  if ((typeof v === 'number' && !Number.isFinite(v)) || typeof v === 'bigint') return String(v);
  return v;
}

/** Whether `value`'s own properties need the replacer: a replacer takes JSON.stringify off its
 * fast path, and the common input (strings, finite numbers, nested plain objects) needs none. */
function needsReplacer(value) {
  for (const key in value) {
    const v = value[key];
    if (v instanceof Date || typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) return true;
  }
  return false;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
let scratch = new Uint8Array(4096);

/** The reused buffer, at least `size` bytes long. */
function scratchOf(size) {
  if (size > scratch.length) scratch = new Uint8Array(size);
  return scratch;
}

/** `text` as UTF-8, then the bytes of `tail` if given, in a reused buffer (valid until the next
 * call): the wasm copies it at once, and a fresh array per call is garbage the sidecar would
 * collect. */
function utf8(text, tail = EMPTY) {
  const buffer = scratchOf(text.length * 3 + tail.length);
  const written = encoder.encodeInto(text, buffer).written;
  buffer.set(tail, written);
  return buffer.subarray(0, written + tail.length);
}

/** The arguments as JSON text for the wasm. */
function json(value) {
  let text;
  if (value !== null && typeof value === 'object' && !needsReplacer(value)) {
    try {
      text = JSON.stringify(value);
    } catch {
      // A BigInt deeper down: the replacer path names it instead of throwing a TypeError.
    }
  }
  return text ?? JSON.stringify(value, replacer) ?? 'null';
}

function call(fn, ...args) {
  ready();
  let text;
  try {
    text = fn(...args);
  } catch (e) {
    throw fromWasmError(e);
  }
  return answerOf(text);
}

/** Response headers as `[name, value]` pairs from a `Headers` (or any iterable of pairs), an
 * array of pairs or a plain object; numbers as text. Anything else goes on for the core to refuse. */
function headerPairs(headers) {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== 'object') return headers;
  const entries = typeof headers[Symbol.iterator] === 'function' ? Array.from(headers) : Object.entries(headers);
  return entries.map((e) => (Array.isArray(e) && typeof e[1] === 'number' ? [e[0], String(e[1])] : e));
}

function bodyBytes(body) {
  if (body === undefined || body === null) return EMPTY;
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new EksAuthError('body must be a string, a Uint8Array or an ArrayBuffer', { code: 'InvalidInput', field: 'body' });
}

/** @returns {string} */
export const resolveEndpoint = (params) => call(wasm.resolveEndpoint, json(params));
const optionalString = (v) => v === undefined || v === null || typeof v === 'string';

/** The input's members as `buildAssumeRoleRequestFrom`'s arguments when each already has its
 * type (the common case, and the sidecar's every request): the ten strings' UTF-8 lengths
 * (little-endian u32), then the strings, in one reused buffer, with a bit each for the ones given
 * (see src/wasm.rs). `null` sends the input through JSON, where the core names whatever is wrong. */
function fieldsOf(input) {
  if (input === null || typeof input !== 'object') return null;
  const { clusterName, token, region, credentials: c, now, useFips, endpoint, eksNodeName, instanceId, zone } = input;
  const nowMs = now instanceof Date ? now.getTime() : now;
  if (typeof clusterName !== 'string' || typeof token !== 'string' || typeof nowMs !== 'number' || !Number.isFinite(nowMs)) return null;
  if (!(useFips === undefined || useFips === null || typeof useFips === 'boolean')) return null;
  if (c !== undefined && c !== null && (typeof c !== 'object' || typeof c.accessKeyId !== 'string'
    || typeof c.secretAccessKey !== 'string' || !optionalString(c.sessionToken))) return null;
  const strings = [clusterName, token, region, c?.accessKeyId, c?.secretAccessKey, c?.sessionToken, endpoint, eksNodeName, instanceId, zone];
  let size = 4 * strings.length;
  let present = 0;
  for (let i = 0; i < strings.length; i++) {
    const v = strings[i];
    if (!optionalString(v)) return null;
    if (v !== undefined && v !== null) {
      present |= 1 << i;
      size += v.length * 3;
    }
  }
  const buffer = scratchOf(size);
  let at = 4 * strings.length;
  for (let i = 0; i < strings.length; i++) {
    // Each string encoded where it goes: no joined text to build and flatten first.
    const length = present & (1 << i) && strings[i] !== '' ? encoder.encodeInto(strings[i], buffer.subarray(at)).written : 0;
    buffer[4 * i] = length;
    buffer[4 * i + 1] = length >>> 8;
    buffer[4 * i + 2] = length >>> 16;
    buffer[4 * i + 3] = length >>> 24;
    at += length;
  }
  return [buffer.subarray(0, at), present, nowMs, useFips === true];
}

/** The signed request arrives as HTTP message text (see src/wasm.rs): method and URL, header
 * lines, a blank line, the body; an error as the usual JSON answer. */
export function buildAssumeRoleRequest(input) {
  ready();
  let text;
  try {
    const fields = fieldsOf(input);
    text = fields ? wasm.buildAssumeRoleRequestFrom(...fields) : '';
    if (text === '') text = wasm.buildAssumeRoleRequest(json(input));
  } catch (e) {
    throw fromWasmError(e);
  }
  if (text.charCodeAt(0) === 123 /* { */) return answerOf(text);
  const end = text.indexOf('\n\n');
  const space = text.indexOf(' ');
  let line = text.indexOf('\n');
  const request = { method: text.slice(0, space), url: text.slice(space + 1, line), headers: {}, body: text.slice(end + 2) };
  while (line < end) {
    const next = text.indexOf('\n', line + 1);
    const colon = text.indexOf(': ', line + 1);
    request.headers[text.slice(line + 1, colon)] = text.slice(colon + 2, next);
    line = next;
  }
  return request;
}

export const signingStages = (input) => call(wasm.signingStages, json(input));
export function parseAssumeRoleResponse(response) {
  ready();
  if (response === null || typeof response !== 'object') {
    throw new EksAuthError('invalid response: must be an object', { code: 'InvalidInput', field: 'response' });
  }
  const { headers, body } = response;
  // Not a number: NaN, which the core names as the status at fault.
  const status = typeof response.status === 'number' ? response.status : NaN;
  const bytes = bodyBytes(body);
  // A 2xx is read from its body alone: headers only name the request in an error, so anything
  // but a result is read again below, with them.
  if (status >= 200 && status < 300 && pairsAsGiven(headers)) {
    const expiry = wasm.readAssumeRoleResult(bytes);
    if (expiry >= 0) {
      // As long as its UTF-8 only when ASCII, where the core's byte offsets are the text's.
      const text = typeof body === 'string' ? body : decoder.decode(bytes);
      if (text.length === bytes.length) return resultFrom(text, spanView(), expiry);
    }
  }
  // One buffer across the boundary: the headers' UTF-8, then the body. Headers that are not
  // pairs of strings go as a length past the buffer, which the core names as the fault.
  const text = headerText(headerPairs(headers));
  const message = utf8(text ?? '', bytes);
  let answer;
  try {
    answer = wasm.readAssumeRoleResponse(status, message, text === null ? 0xffffffff : message.length - bytes.length);
  } catch (e) {
    throw fromWasmError(e);
  }
  return answerOf(answer);
}

/** Whether `headers` is a shape the core takes as it is (none, a fetch `Headers`, [name, value]
 * pairs or an object of strings or numbers), so a 2xx can skip them; other shapes take the path
 * that checks them. A `Headers` is known by its tag: naming the global `Headers` makes Node load
 * undici (~30 ms, and memory) in a process that never fetched. */
function pairsAsGiven(headers) {
  if (headers === undefined || headers === null) return true;
  const given = (v) => typeof v === 'string' || typeof v === 'number';
  if (Array.isArray(headers)) {
    for (const e of headers) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !given(e[1])) return false;
    }
    return true;
  }
  if (typeof headers !== 'object') return false;
  if (Object.prototype.toString.call(headers) === '[object Headers]') return true;
  if (typeof headers[Symbol.iterator] === 'function') return false;
  for (const name in headers) {
    if (Object.hasOwn(headers, name) && !given(headers[name])) return false;
  }
  return true;
}

/** Header pairs (from `headerPairs`) as `readAssumeRoleResponse` takes them, `name\0value\0...`;
 * `null` when some entry is not a pair of strings (or holds a NUL), which the core refuses. */
function headerText(pairs) {
  if (!Array.isArray(pairs)) return null;
  let text = null;
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) return null;
    const [name, value] = pair;
    if (typeof name !== 'string' || typeof value !== 'string' || name.includes('\0') || value.includes('\0')) return null;
    text = text === null ? `${name}\0${value}` : `${text}\0${name}\0${value}`;
  }
  return text ?? '';
}

/** A body's text as the core saw it (a BOM stays). */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** `SPANS` in the module's memory (src/wasm.rs), made again when the memory grew (which detaches
 * the buffer under a view): read after each `readAssumeRoleResult`. */
let spans = null;
function spanView() {
  if (spans === null || spans.byteLength === 0) spans = new Uint32Array(wasmMemory().buffer, wasm.resultSpans(), 23);
  return spans;
}

/** A result from the body's text and where its members lie in it (src/wasm.rs `SPANS`): a
 * presence mask, then each string's start and end, in wire order. The object has the wire's
 * shape, members in the same order as `JSON.parse` gives them. */
function resultFrom(text, spans, expiry) {
  const m = spans[0];
  const at = (i) => text.slice(spans[1 + 2 * i], spans[2 + 2 * i]);
  if ((m | 0x4000) === 0xffff) {
    // Every member EKS Auth sends: one literal (a fixed shape), the same object as below builds.
    const r = {
      subject: { namespace: at(0), serviceAccount: at(1) },
      audience: at(2),
      podIdentityAssociation: { associationArn: at(3), associationId: at(4) },
      assumedRoleUser: { arn: at(5), assumeRoleId: at(6) },
      credentials: { sessionToken: at(7), secretAccessKey: at(8), accessKeyId: at(9), expiration: expiry },
    };
    if (m & 0x4000) r.workloadIdentityProviderArn = at(10);
    return r;
  }
  // Bits 0-3: the objects; 4-14: the strings; 15: the expiry.
  const has = (bit) => (m & (1 << bit)) !== 0;
  const r = {};
  if (has(0)) {
    const o = (r.subject = {});
    if (has(4)) o.namespace = at(0);
    if (has(5)) o.serviceAccount = at(1);
  }
  if (has(6)) r.audience = at(2);
  if (has(1)) {
    const o = (r.podIdentityAssociation = {});
    if (has(7)) o.associationArn = at(3);
    if (has(8)) o.associationId = at(4);
  }
  if (has(2)) {
    const o = (r.assumedRoleUser = {});
    if (has(9)) o.arn = at(5);
    if (has(10)) o.assumeRoleId = at(6);
  }
  if (has(3)) {
    const o = (r.credentials = {});
    if (has(11)) o.sessionToken = at(7);
    if (has(12)) o.secretAccessKey = at(8);
    if (has(13)) o.accessKeyId = at(9);
    if (has(15)) o.expiration = expiry;
  }
  if (has(14)) r.workloadIdentityProviderArn = at(10);
  return r;
}

export const toContainerCredentials = (result) => call(wasm.toContainerCredentials, json(result));
export const toCredentialProcess = (result) => call(wasm.toCredentialProcess, json(result));
export const toShellExports = (result) => call(wasm.toShellExports, json(result));
export const backoffDelay = (attempt, random) => (ready(), wasm.backoffDelay(attempt, random));
export const clockSkew = (params) => call(wasm.clockSkew, json(params));
export const redact = (text, secrets = []) =>
  call(wasm.redact, json({ text, secrets: (Array.isArray(secrets) ? secrets : []).filter((s) => typeof s === 'string') }));
/** @param {{ code?: string, message?: string, status?: number, requestId?: string, field?: string, irrecoverable?: boolean }} error */
export function agentErrorResponse(error) {
  if (error === null || typeof error !== 'object') return call(wasm.agentErrorResponse, json(error));
  const { code, message, status, requestId, field, irrecoverable } = error;
  return call(wasm.agentErrorResponse, json({ code, message, status, requestId, field, irrecoverable }));
}
export const credentialsFreshness = (params) => call(wasm.credentialsFreshness, json(params));
export const errorRetryDelay = (random) => (ready(), wasm.errorRetryDelay(random));
export const parseToken = (token) => call(wasm.parseToken, json({ token }));
/** The Host check runs on every sidecar request: plain strings, no JSON. */
export const hostAllowed = (header, hosts) =>
  (ready(), wasm.hostAllowed(String(header ?? ''), (Array.isArray(hosts) ? hosts : []).map(String).join(',')));
