// EksAuthClient: the host of the core's exchange machine (`ExchangeClient`, src/exchange.rs). The
// machine decides everything (the request, retries, backoff, the retry quota its exchanges share,
// clock-skew correction, each attempt's deadline); this file sends with `fetch`, arms timers, and
// turns how an exchange ended into a result or an `EksAuthError`.
import { EksAuthError, ExchangeClient, redact } from './core.js';
import { fromWasmError } from './errors.js';
import { Deadline } from './deadline.js';

const sleepFor = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Resolves `credentials`: an object, an (async) provider function such as those of
 * `@aws-sdk/credential-providers`, or nothing (the request goes unsigned). */
async function resolveCredentials(credentials) {
  const value = typeof credentials === 'function' ? await credentials() : await credentials;
  if (value == null) return undefined;
  return { accessKeyId: value.accessKeyId, secretAccessKey: value.secretAccessKey, sessionToken: value.sessionToken };
}

function headerObject(headers) {
  const out = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** How a `fetch` failed, as the machine names it: the Node transport's and undici's timeouts by their codes. */
function failureKind(error) {
  const code = error?.code ?? error?.cause?.code;
  if (code === 'ConnectTimeout' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'connectTimeout';
  if (error?.name === 'TimeoutError' || code === 'ReadTimeout' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  return 'network';
}

const nonNegative = (value, field) => {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new EksAuthError(`invalid ${field}: must be a number of 0 or more`, { code: 'InvalidInput', field });
  }
  // The machine counts whole ms; no limit is 0.
  return Number.isFinite(value) ? Math.ceil(value) : 0;
};

/** Client for `AssumeRoleForPodIdentity`, in every host. */
export class EksAuthClient {
  /** The exchanges' machine, made at the first call (the wasm may load after construction). */
  #machine;
  #config;

  /**
   * @param {object} options
   * @param {string} [options.region]
   * @param {object|Function} [options.credentials] caller credentials or a provider; none = unsigned
   * @param {typeof fetch} [options.fetch]
   * @param {string} [options.endpoint] custom endpoint URL (a path prefix is kept)
   * @param {boolean} [options.useFips]
   * @param {number} [options.maxAttempts] attempts in all (AWS standard mode: 3)
   * @param {() => number} [options.now] clock, epoch ms
   * @param {number} [options.timeoutMs] per-attempt timeout, 0 = none
   * @param {number} [options.connectTimeoutMs] connect timeout, 0 = none; given to `fetch` as
   *   `init.connectTimeoutMs` (the Node transport honours it, other fetches ignore it)
   * @param {() => number} [options.random] in [0, 1): seeds each exchange's backoff jitter
   * @param {(ms: number, signal?: AbortSignal) => Promise<void>} [options.sleep] the wait between attempts
   * @param {(event: object) => void} [options.onEvent] trace hook: request, response, retry, skew
   *   (headers as sent and received; the body of a request is never given, it holds the token)
   */
  constructor(options = {}) {
    const { maxAttempts = 3, timeoutMs = 10_000, connectTimeoutMs = 0 } = options;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new EksAuthError('invalid maxAttempts: must be an integer of 1 or more', { code: 'InvalidInput', field: 'maxAttempts' });
    }
    this.#config = {
      maxAttempts,
      attemptTimeoutMs: nonNegative(timeoutMs, 'timeoutMs'),
      connectTimeoutMs: nonNegative(connectTimeoutMs, 'connectTimeoutMs'),
    };
    this.region = options.region;
    this.credentials = options.credentials;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.endpoint = options.endpoint;
    this.useFips = options.useFips ?? false;
    this.maxAttempts = maxAttempts;
    this.now = options.now ?? Date.now;
    this.timeoutMs = timeoutMs;
    this.connectTimeoutMs = connectTimeoutMs;
    this.random = options.random ?? Math.random;
    this.onEvent = options.onEvent ?? (() => {});
    this.sleep = options.sleep ?? sleepFor;
  }

  /** Server time minus host time, learnt from EKS Auth's answers (ms); requests are signed with it. */
  get clockOffset() {
    return this.#machine?.clockOffsetMs ?? 0;
  }

  /**
   * Exchanges a service-account token for the pod's credentials.
   * @param {{ clusterName: string, token: string, eksNodeName?: string, instanceId?: string, zone?: string }} params
   * @param {{ signal?: AbortSignal }} [options]
   * @returns the parsed result (`credentials.expiration` in epoch seconds)
   * @throws {EksAuthError} with `attempts` set to the number of HTTP requests sent
   */
  async assumeRoleForPodIdentity(params, { signal } = {}) {
    const credentials = await resolveCredentials(this.credentials);
    const secrets = [params?.token, credentials?.sessionToken, credentials?.secretAccessKey];
    signal?.throwIfAborted();
    const machine = (this.#machine ??= new ExchangeClient());
    const input = { ...params, region: this.region, credentials, endpoint: this.endpoint, useFips: this.useFips, now: this.now() };
    const exchange = { machine, secrets, signal, attempt: 1, failure: undefined };
    try {
      exchange.id = machine.start(input, this.#config, Math.floor(this.random() * 2 ** 32));
    } catch (e) {
      throw failed(e, 0, exchange);
    }
    const { id } = exchange;
    try {
      let now = this.now();
      for (;;) {
        const transmit = machine.pollTransmit(id, now);
        if (transmit) {
          await this.#send(exchange, transmit);
          now = this.now();
          continue;
        }
        const end = machine.pollResult(id);
        if (end) {
          if (end.result) return end.result;
          throw failed(end.error, end.attempts, exchange);
        }
        const wake = machine.pollTimeout(id);
        if (wake === undefined) throw new Error(`exchange ${id} waits on nothing`);
        if (wake > now) await this.sleep(wake - now, signal);
        // An injected clock that stands still still reaches the wake time.
        now = Math.max(this.now(), wake);
        machine.handleTimeout(id, now);
        this.#trace(exchange);
      }
    } finally {
      // Ended already (then a no-op), or left by an abort or a throw: forgotten either way.
      machine.abort(id);
      machine.pollResult(id);
    }
  }

  /** One attempt: sent, raced against its deadline and the caller's signal, its end fed back. */
  async #send(exchange, { attempt, request, connectTimeoutMs, deadline: at }) {
    const { machine, id, signal } = exchange;
    // A trace must never carry a secret: the session token header is shown as redacted.
    const traced = { ...request.headers };
    if (traced['x-amz-security-token'] !== undefined) traced['x-amz-security-token'] = '** redacted **';
    this.onEvent({ type: 'request', attempt: exchange.attempt, method: request.method, url: request.url, headers: traced });
    const deadline = new Deadline(signal);
    // At least 1 ms: `arm` takes 0 for no limit.
    if (at !== undefined) deadline.arm(Math.max(1, at - this.now()), () => new Error('the attempt deadline passed'));
    const init = { method: request.method, headers: request.headers, body: request.body, signal: deadline.signal };
    if (connectTimeoutMs !== undefined) init.connectTimeoutMs = connectTimeoutMs;
    let response, body;
    try {
      // Raced against the deadline: the attempt ends then even if `fetch` ignores the signal.
      [response, body] = await deadline.race((async () => {
        const answer = await this.fetch(request.url, init);
        return [answer, new Uint8Array(await answer.arrayBuffer())];
      })());
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const host = new URL(request.url).host;
      if (deadline.expired) {
        exchange.failure = { message: `no response from ${host} within ${this.#config.attemptTimeoutMs} ms` };
        machine.handleTimeout(id, Math.max(this.now(), at));
      } else {
        const kind = failureKind(e);
        const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? e;
        const what = { network: 'could not reach', connectTimeout: 'could not connect in time to', timeout: 'no response in time from' }[kind];
        exchange.failure = { message: `${what} ${host}: ${detail}`, cause: e };
        machine.handleFailure(id, this.now(), attempt, kind);
      }
      this.#trace(exchange);
      return;
    } finally {
      deadline.clear();
    }
    const headers = headerObject(response.headers);
    this.onEvent({ type: 'response', attempt: exchange.attempt, status: response.status, headers });
    machine.handleResponse(id, this.now(), attempt, response.status, headers, body);
    this.#trace(exchange);
  }

  /** The machine's events to `onEvent`; a retry moves the trace's attempt number on. */
  #trace(exchange) {
    for (let event; (event = exchange.machine.pollEvent(exchange.id));) {
      if (event.type === 'retry') exchange.attempt = event.attempt + 1;
      this.onEvent(event);
    }
  }
}

/**
 * The exchange's error (its shape, or an `EksAuthError` the start threw) as the `EksAuthError` the
 * caller gets: a failure with no response told in the host's words, with its cause; secrets out of
 * the message (a server's may echo the caller's canonical request, session token included).
 */
function failed(error, attempts, { secrets, failure }) {
  const e = fromWasmError(error);
  if (!(e instanceof EksAuthError)) return e;
  const transport = e.status === undefined && (e.code === 'NetworkError' || e.code === 'TimeoutError') && failure;
  const out = new EksAuthError(redact(transport ? failure.message : e.message, secrets), { ...e, cause: transport ? failure.cause : e.cause });
  out.attempts = attempts;
  return out;
}
