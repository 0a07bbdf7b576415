// EksAuthClient: the exchange with fetch, retries and clock-skew correction. Every protocol
// decision (request bytes, signing, error reading, which errors retry, backoff, skew) is the
// wasm core's; this file only does IO, timers and bookkeeping.
import {
  EksAuthError,
  backoffDelay,
  buildAssumeRoleRequest,
  clockSkew,
  parseAssumeRoleResponse,
  redact,
} from './core.js';
import { Deadline } from './deadline.js';

export { Deadline };

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

/** Client for `AssumeRoleForPodIdentity`, in every host. */
export class EksAuthClient {
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
   * @param {() => number} [options.random] jitter source in [0, 1)
   * @param {(event: object) => void} [options.onEvent] trace hook: request, response, retry, skew
   *   (headers as sent and received; the body of a request is never given, it holds the token)
   */
  constructor(options = {}) {
    const { maxAttempts = 3, timeoutMs = 10_000 } = options;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new EksAuthError('invalid maxAttempts: must be an integer of 1 or more', { code: 'InvalidInput', field: 'maxAttempts' });
    }
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
      throw new EksAuthError('invalid timeoutMs: must be a number of 0 or more', { code: 'InvalidInput', field: 'timeoutMs' });
    }
    this.region = options.region;
    this.credentials = options.credentials;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.endpoint = options.endpoint;
    this.useFips = options.useFips ?? false;
    this.maxAttempts = maxAttempts;
    this.now = options.now ?? Date.now;
    this.timeoutMs = timeoutMs;
    this.random = options.random ?? Math.random;
    this.onEvent = options.onEvent ?? (() => {});
    this.sleep = options.sleep ?? sleepFor;
    /** Server time minus host time, learnt from responses (ms). */
    this.clockOffset = 0;
  }

  /**
   * Exchanges a service-account token for the pod's credentials.
   * @param {{ clusterName: string, token: string, eksNodeName?: string, instanceId?: string, zone?: string }} params
   * @param {{ signal?: AbortSignal }} [options]
   * @returns the parsed result (`credentials.expiration` in epoch seconds)
   * @throws {EksAuthError} with `attempts` set to the number of HTTP attempts made
   */
  async assumeRoleForPodIdentity(params, { signal } = {}) {
    const credentials = await resolveCredentials(this.credentials);
    const secrets = [params?.token, credentials?.sessionToken, credentials?.secretAccessKey];
    let resigned = false;
    for (let attempt = 1; ; attempt++) {
      const input = {
        ...params,
        region: this.region,
        credentials,
        endpoint: this.endpoint,
        useFips: this.useFips,
        now: this.now() + this.clockOffset,
      };
      const request = buildAssumeRoleRequest(input);
      let error;
      try {
        return await this.#send(request, attempt, signal);
      } catch (e) {
        error = e instanceof EksAuthError ? redactError(e, secrets) : e;
        if (!(error instanceof EksAuthError)) throw e;
        error.attempts = attempt;
      }
      const skew = error.status ? clockSkew({ now: this.now(), date: error.responseDate, code: error.code, message: error.message }) : null;
      if (skew !== null && !resigned) {
        // A skewed clock fails every attempt alike: correct it and re-sign once, outside the retry budget.
        this.clockOffset = skew;
        this.onEvent({ type: 'skew', offsetMs: skew });
        resigned = true;
        attempt--;
        continue;
      }
      if (!error.retryable || attempt >= this.maxAttempts) throw error;
      const delayMs = backoffDelay(attempt, this.random());
      this.onEvent({ type: 'retry', attempt, code: error.code, delayMs });
      await this.sleep(delayMs, signal);
    }
  }

  async #send(request, attempt, signal) {
    // The attempt's own deadline (fetch and body alike), and the caller's signal through it.
    const deadline = new Deadline(signal).arm(this.timeoutMs, () => new EksAuthError(
      `no response from ${new URL(request.url).host} within ${this.timeoutMs} ms`,
      { code: 'TimeoutError', retryable: true, fault: 'server' },
    ));
    // A trace must never carry a secret: the session token header is shown as redacted.
    const traced = { ...request.headers };
    if (traced['x-amz-security-token'] !== undefined) traced['x-amz-security-token'] = '** redacted **';
    this.onEvent({ type: 'request', attempt, method: request.method, url: request.url, headers: traced });
    let response, body;
    try {
      // Raced against the deadline: the attempt ends then even if `fetch` ignores the signal.
      [response, body] = await deadline.race((async () => {
        const answer = await this.fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: deadline.signal });
        return [answer, new Uint8Array(await answer.arrayBuffer())];
      })());
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.expired) throw deadline.signal.reason;
      const timedOut = e?.name === 'TimeoutError';
      throw new EksAuthError(
        timedOut
          ? `no response from ${new URL(request.url).host} within ${this.timeoutMs} ms`
          : `could not reach ${new URL(request.url).host}: ${e?.cause?.code ?? e?.cause?.message ?? e?.message ?? e}`,
        { code: timedOut ? 'TimeoutError' : 'NetworkError', retryable: true, fault: 'server', cause: e },
      );
    } finally {
      deadline.clear();
    }
    const headers = headerObject(response.headers);
    this.onEvent({ type: 'response', attempt, status: response.status, headers });
    try {
      const result = parseAssumeRoleResponse({ status: response.status, headers, body });
      const skew = clockSkew({ now: this.now(), date: headers.date });
      if (skew !== null) {
        this.clockOffset = skew;
        this.onEvent({ type: 'skew', offsetMs: skew });
      }
      return result;
    } catch (e) {
      if (e instanceof EksAuthError) e.responseDate = headers.date;
      throw e;
    }
  }
}

/** Server messages may echo the caller's canonical request, session token included. */
function redactError(error, secrets) {
  const clean = (text) => (typeof text === 'string' ? redact(text, secrets) : text);
  const message = clean(error.message);
  if (message === error.message) return error;
  const copy = new EksAuthError(message, { ...error, cause: error.cause });
  copy.responseDate = error.responseDate;
  return copy;
}
