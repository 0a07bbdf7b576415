// The console's own calls — a token judged at a time, a request's signature explained, ISO 8601
// times read — from their own module, `eks_auth_console` (the core built with `--features
// console`, src/inspect.rs): the module every host loads carries none of their code. The page
// loads both modules; the rest of its calls go through the package's browser entry.
import initModule, * as wasm from '../pkg/wasm/eks_auth_console.js';
import { fromWasmError } from '../pkg/errors.js';

let loading;

/** Loads the console's module once; later calls return the same promise. */
export function initInspect() {
  loading ??= initModule({ module_or_path: new URL('../pkg/wasm/eks_auth_console_bg.wasm', import.meta.url) });
  return loading;
}

/** Calls a binding: its answer, or what it threw as an `EksAuthError`. */
function call(fn, arg) {
  try {
    return fn(arg);
  } catch (e) {
    throw fromWasmError(e);
  }
}

/** Header and claims decoded, and the checks EKS Auth applies on the token's face, at `now`. */
export const inspectToken = (token, now) => call(wasm.inspectToken, { token, now: now instanceof Date ? now.getTime() : now });
/** Every SigV4 stage of the request `buildAssumeRoleRequest` builds for `input`; `null` unsigned. */
export const explainSignature = (input) => call(wasm.explainSignature, input?.now instanceof Date ? { ...input, now: input.now.getTime() } : input);
/** Epoch ms of an ISO 8601 date-time with seconds (no zone: UTC), or `null`. */
export const parseIso8601 = (text) => call(wasm.parseIso8601, { text: String(text ?? '') });
