/**
 * A deadline the code holds itself: an `AbortController` of its own, aborted by a `setTimeout`
 * this object keeps (armed again for each phase when needed), or by the caller's signal, or by
 * `abort()`. Every timeout on a request path goes through it (the client's attempt, the
 * transport's connect and read timeouts, the sidecar's calls in flight).
 *
 * Not `AbortSignal.timeout()` inside `AbortSignal.any()`: Node 20 holds the timeout signal there
 * only weakly, so garbage collection can drop it before it fires and the request never ends
 * (nodejs/node#57736). A pending `setTimeout` is held by the event loop until it fires or is cleared.
 */
export class Deadline {
  #controller = new AbortController();
  #parent;
  #timer;
  #onParentAbort = () => this.abort(this.#parent.reason);

  /** @param {AbortSignal} [parent] the caller's signal: its abort aborts this deadline too */
  constructor(parent) {
    this.#parent = parent;
    /** Whether the timer fired (rather than the caller or `abort()`). */
    this.expired = false;
    if (parent?.aborted) this.#controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** Aborted when the deadline passes, the caller's signal aborts, or `abort()` is called. */
  get signal() {
    return this.#controller.signal;
  }

  /**
   * (Re)starts the timer: `ms` from now the signal aborts with `reason()`. 0 or less, or not
   * finite: no time limit (the caller's signal and `abort()` still apply).
   * @param {number} ms
   * @param {() => unknown} reason
   */
  arm(ms, reason) {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!(ms > 0) || !Number.isFinite(ms) || this.signal.aborted) return this;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.expired = true;
      this.abort(reason());
    }, ms);
    return this;
  }

  /** Aborts now with `reason` (once), and lets go of the timer and the caller's signal. */
  abort(reason) {
    this.clear();
    if (!this.signal.aborted) this.#controller.abort(reason);
  }

  /** Done: stops the timer and stops following the caller's signal. Call it whatever the outcome. */
  clear() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  /**
   * `promise`, or a rejection with the signal's reason as soon as it aborts, whichever comes
   * first: the wait ends at the deadline even if the work does not listen to the signal.
   * @template T
   * @param {Promise<T>} promise
   * @returns {Promise<T>}
   */
  race(promise) {
    const { signal } = this;
    if (signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(signal.reason);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
        (error) => { signal.removeEventListener('abort', onAbort); reject(error); },
      );
    });
  }
}
