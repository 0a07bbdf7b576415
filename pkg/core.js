// The core's API, identical in every host: thin wrappers over the wasm bindings that check the
// module is loaded and turn thrown errors into `EksAuthError`. No protocol logic lives here.
import * as wasm from './wasm/eks_auth_wasm.js';
import { EksAuthError, fromWasmError } from './errors.js';
import { isReady } from './state.js';

export { EksAuthError };


function call(fn, args) {
  if (!isReady()) {
    throw new EksAuthError(
      'eks-auth-wasm is not initialized: `await init()` before calling the API (the WebAssembly module is not loaded yet)',
      { code: 'NotInitialized' },
    );
  }
  try {
    return fn(...args);
  } catch (e) {
    throw fromWasmError(e);
  }
}

/** @returns {string} */
export const resolveEndpoint = (...a) => call(wasm.resolveEndpoint, a);
export const buildAssumeRoleRequest = (...a) => call(wasm.buildAssumeRoleRequest, a);
export const signingStages = (...a) => call(wasm.signingStages, a);
export const parseAssumeRoleResponse = (...a) => call(wasm.parseAssumeRoleResponse, a);
export const toContainerCredentials = (...a) => call(wasm.toContainerCredentials, a);
export const toCredentialProcess = (...a) => call(wasm.toCredentialProcess, a);
export const toShellExports = (...a) => call(wasm.toShellExports, a);
export const backoffDelay = (...a) => call(wasm.backoffDelay, a);
export const clockSkew = (...a) => call(wasm.clockSkew, a) ?? null;
export const redact = (text, secrets = []) => call(wasm.redact, [text, secrets.filter((s) => typeof s === 'string')]);
export const agentErrorResponse = (...a) => call(wasm.agentErrorResponse, a);
export const credentialsFreshness = (...a) => call(wasm.credentialsFreshness, a);
export const errorRetryDelay = (...a) => call(wasm.errorRetryDelay, a);
export const parseToken = (...a) => call(wasm.parseToken, a);
export const hostAllowed = (header, hosts) => call(wasm.hostAllowed, [String(header ?? ''), hosts]);
/** The console's explanations (src/inspect.rs): a token judged at `now`, and a request's SigV4 stages. */
export const inspectToken = (...a) => call(wasm.inspectToken, a);
export const explainSignature = (...a) => call(wasm.explainSignature, a) ?? null;
