// Cloudflare Workers (workerd): the runtime refuses to compile wasm from bytes, so the module
// arrives precompiled through the `.wasm` import and is instantiated synchronously at import.
import wasmModule from './wasm/eks_auth_wasm_bg.wasm';
import { initSync } from './wasm/eks_auth_wasm.js';
import { markReady } from './state.js';

markReady(initSync({ module: wasmModule }));

/** Already done at import in workerd; kept so code written for every host runs unchanged. */
export async function init(_input) {}

export * from './core.js';
export * from './client.js';
