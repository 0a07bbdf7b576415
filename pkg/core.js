// The core's API, identical in every host: thin wrappers over the wasm bindings. Each binding
// takes and returns JS values, converted by serde-wasm-bindgen to and from one Rust type per shape
// (src/boundary.rs, src/wasm.rs); a failure arrives thrown as the error's shape, and becomes an
// `EksAuthError` here. A `Date` becomes epoch ms and a body becomes bytes on the way in. No
// protocol logic lives here.
import * as wasm from './wasm/eks_auth_wasm.js';
import { EksAuthError, fromWasmError } from './errors.js';
import { isReady } from './state.js';

export { EksAuthError };

function ready() {
  if (!isReady()) {
    throw new EksAuthError(
      'eks-auth-wasm is not initialized: `await init()` before calling the API (the WebAssembly module is not loaded yet)',
      { code: 'NotInitialized' },
    );
  }
}

/** Calls a binding: its answer, or what it threw as an `EksAuthError`. */
function call(fn, ...args) {
  ready();
  try {
    return fn(...args);
  } catch (e) {
    throw fromWasmError(e);
  }
}

/** The input with a `Date` signing time as its epoch ms (the core reads a number). */
function withTime(input) {
  return input !== null && typeof input === 'object' && input.now instanceof Date ? { ...input, now: input.now.getTime() } : input;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function bodyBytes(body) {
  if (body === undefined || body === null) return EMPTY;
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new EksAuthError('body must be a string, a Uint8Array or an ArrayBuffer', { code: 'InvalidInput', field: 'body' });
}

/** @returns {string} */
export const resolveEndpoint = (params) => call(wasm.resolveEndpoint, params);
export const buildAssumeRoleRequest = (input) => call(wasm.buildAssumeRoleRequest, withTime(input));
export const signingStages = (input) => call(wasm.signingStages, withTime(input));

/** Reads a response: `headers` a fetch `Headers`, `[name, value]` pairs or an object. */
export function parseAssumeRoleResponse(response) {
  ready();
  if (response === null || typeof response !== 'object') {
    throw new EksAuthError('invalid response: must be an object', { code: 'InvalidInput', field: 'response' });
  }
  return call(wasm.parseAssumeRoleResponse, response.status, response.headers, bodyBytes(response.body));
}

/** Reads a whole fetch `Response` (its status, headers and body). */
export async function readAssumeRoleResponse(response) {
  ready();
  if (response === null || typeof response !== 'object' || typeof response.arrayBuffer !== 'function') {
    throw new EksAuthError('invalid response: must be a fetch Response', { code: 'InvalidInput', field: 'response' });
  }
  const body = new Uint8Array(await response.arrayBuffer());
  return call(wasm.parseAssumeRoleResponse, response.status, response.headers, body);
}

export const toContainerCredentials = (result) => call(wasm.toContainerCredentials, result);
export const toCredentialProcess = (result) => call(wasm.toCredentialProcess, result);
export const toShellExports = (result) => call(wasm.toShellExports, result);
export const backoffDelay = (attempt, random) => (ready(), wasm.backoffDelay(attempt, random));
export const clockSkew = (params) => call(wasm.clockSkew, params);
export const redact = (text, secrets = []) =>
  call(wasm.redact, String(text ?? ''), (Array.isArray(secrets) ? secrets : []).filter((s) => typeof s === 'string'));
/** @param {{ code?: string, message?: string, status?: number, requestId?: string, field?: string, irrecoverable?: boolean }} error */
export function agentErrorResponse(error) {
  if (error === null || typeof error !== 'object') return call(wasm.agentErrorResponse, error);
  // The error's own fields (an `EksAuthError`'s `message` is not enumerable).
  const { code, message, status, requestId, field, irrecoverable } = error;
  return call(wasm.agentErrorResponse, { code, message, status, requestId, field, irrecoverable });
}
export const credentialsFreshness = (params) => call(wasm.credentialsFreshness, params);
export const errorRetryDelay = (random) => (ready(), wasm.errorRetryDelay(random));
export const parseToken = (token) => call(wasm.parseToken, token);
/** The Host check runs on every sidecar request. */
export const hostAllowed = (header, hosts) =>
  (ready(), wasm.hostAllowed(String(header ?? ''), (Array.isArray(hosts) ? hosts : []).map(String)));

/** Calls a method of a machine: its answer, or what it threw as an `EksAuthError`. */
function method(machine, name, ...args) {
  try {
    return machine[name](...args);
  } catch (e) {
    throw fromWasmError(e);
  }
}

/**
 * A client's exchanges as sans-IO state machines (src/exchange.rs), and the retry quota and
 * clock offset they share. The host sends what `pollTransmit` gives, feeds back each response
 * (`handleResponse`) or failure (`handleFailure`), and wakes each exchange at `pollTimeout`
 * (`handleTimeout`); `pollResult` gives how it ended.
 */
export class ExchangeClient {
  #machine;

  constructor() {
    ready();
    this.#machine = new wasm.ExchangeClient();
  }

  /** @returns {number} the exchange's id */
  start(input, config = {}, seed = 0) {
    return method(this.#machine, 'start', withTime(input), config, seed);
  }

  pollTransmit(id, now) { return this.#machine.pollTransmit(id, now); }

  handleResponse(id, now, attempt, status, headers, body) {
    method(this.#machine, 'handleResponse', id, now, attempt, status, headers, bodyBytes(body));
  }

  handleFailure(id, now, attempt, kind) { method(this.#machine, 'handleFailure', id, now, attempt, kind); }

  handleTimeout(id, now) { this.#machine.handleTimeout(id, now); }

  abort(id) { this.#machine.abort(id); }

  pollTimeout(id) { return this.#machine.pollTimeout(id); }

  pollEvent(id) { return this.#machine.pollEvent(id); }

  pollResult(id) { return this.#machine.pollResult(id); }

  /** Server time minus host time (ms), learnt from EKS Auth's answers. */
  get clockOffsetMs() { return this.#machine.clockOffsetMs; }

  /** Retry quota tokens left. */
  get quotaAvailable() { return this.#machine.quotaAvailable; }
}

/**
 * The EKS Pod Identity Agent's decisions as a sans-IO state machine (src/agent/machine.rs): the
 * cache, single flight, background renewal, eviction, rate limits and metric counts. The host
 * feeds in requests, exchange ends and time, and polls out answers, exchanges to run and when to
 * wake.
 */
export class AgentMachine {
  #machine;

  constructor(config = {}, seed = 0) {
    ready();
    try {
      this.#machine = new wasm.AgentMachine(config, seed);
    } catch (e) {
      throw fromWasmError(e);
    }
  }

  /** The settings in force (`credentialsPath` among them). */
  config() { return this.#machine.config(); }

  /** Whether the listener's rate limit lets a request through (it takes a token). */
  admit(now, listener = 0) { return this.#machine.admit(now, listener); }

  /** A request whose token has an answer naming `entry` before its `serveUntil`: 200 (replay
   * it), 429, or 0 (ask with `handleRequest(now, request, true)`). Numbers only: the hot path. */
  replay(now, listener, entry) { return this.#machine.replay(now, listener, entry); }

  /** `{ path, host?, token, listener? }` → `{ answer?, wait?, tokenHash? }`. */
  handleRequest(now, request, admitted = false) { return method(this.#machine, 'handleRequest', now, request, admitted); }

  /** How the exchange ordered for `key` ended: `{ result }` or `{ error }`, with `attempts`. */
  handleExchangeEnd(now, key, end) { method(this.#machine, 'handleExchangeEnd', now, key, end); }

  handleTimeout(now) { this.#machine.handleTimeout(now); }

  close() { this.#machine.close(); }

  pollExchange() { return this.#machine.pollExchange(); }

  pollAnswer() { return this.#machine.pollAnswer(); }

  pollTimeout() { return this.#machine.pollTimeout(); }

  /** `[{ name, labels, value }]`: the agent's counters. */
  metrics() { return this.#machine.metrics(); }

  evictions() { return this.#machine.evictions(); }

  get cacheSize() { return this.#machine.cacheSize; }

  get flightCount() { return this.#machine.flightCount; }
}
