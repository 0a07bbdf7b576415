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

/** A boundary answer (`{ ok }` or `{ error }` JSON text, see src/wasm.rs): the value, or the error
 * thrown as an `EksAuthError`. */
export function answerOf(text) {
  const answer = JSON.parse(text);
  if (answer.error) throw new EksAuthError(answer.error.message, answer.error);
  return answer.ok;
}

/** Re-wraps what the wasm boundary throws (an `Error` named `EksAuthError` with the details as
 * properties) into the class, so `instanceof` works; anything else is a bug and passes through. */
export function fromWasmError(e) {
  if (e instanceof EksAuthError || !(e instanceof Error) || e.name !== 'EksAuthError') return e;
  return new EksAuthError(e.message, e);
}
