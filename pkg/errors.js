// One error class for everything the package throws, in every host.

/** Every failure of the exchange: caller input, configuration, the service's answer, the network. */
export class EksAuthError extends Error {
  /**
   * @param {string} message
   * @param {{ code: string, field?: string, status?: number, requestId?: string, retryable?: boolean,
   *   irrecoverable?: boolean, fault?: 'client'|'server', cause?: unknown }} details
   */
  constructor(message, details) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EksAuthError';
    /** AWS error type (`InvalidTokenException`), or `InvalidInput`, `InvalidConfiguration`,
     * `MalformedResponse`, `NetworkError`, `TimeoutError`, `NotInitialized`. */
    this.code = details.code;
    if (details.field !== undefined) this.field = details.field;
    if (details.status !== undefined) this.status = details.status;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    this.retryable = details.retryable ?? false;
    this.irrecoverable = details.irrecoverable ?? false;
    this.fault = details.fault ?? 'client';
  }
}

/** What the wasm boundary threw as an `EksAuthError`: the error's shape (a plain object with `code`
 * and `message`, src/error.rs `ErrorFields`). Anything else is a bug (or a trap) and passes
 * through. */
export function fromWasmError(e) {
  if (e instanceof EksAuthError || e === null || typeof e !== 'object' || e instanceof Error || typeof e.code !== 'string') return e;
  return new EksAuthError(e.message, e);
}
