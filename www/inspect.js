// The console's own calls — a token judged at a time, a request's signature explained, ISO 8601
// times read — from their own module, `eks_auth_console` (the core built with `--features
// console`, src/inspect.rs): the module every host loads carries none of their code. The page
// loads both modules; the rest of its calls go through the package's browser entry.
import initModule, * as wasm from '../pkg/wasm/eks_auth_console.js';
import { answerOf } from '../pkg/errors.js';

let loading;

/** Loads the console's module once; later calls return the same promise. */
export function initInspect() {
  loading ??= initModule({ module_or_path: new URL('../pkg/wasm/eks_auth_console_bg.wasm', import.meta.url) });
  return loading;
}

// The page passes plain strings and epoch ms (its clock): JSON.stringify is the whole encoding;
// the package's entry (pkg/core.js) also turns `Date`s and non-finite numbers into what the core reads.
const json = JSON.stringify;

/** Header and claims decoded, and the checks EKS Auth applies on the token's face, at `now`. */
export const inspectToken = (token, now) => answerOf(wasm.inspectToken(json({ token, now })));
/** Every SigV4 stage of the request `buildAssumeRoleRequest` builds for `input`; `null` unsigned. */
export const explainSignature = (input) => answerOf(wasm.explainSignature(json(input)));
/** Epoch ms of an ISO 8601 date-time with seconds (no zone: UTC), or `null`. */
export const parseIso8601 = (text) => answerOf(wasm.parseIso8601(json({ text: String(text ?? '') })));
