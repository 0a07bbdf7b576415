// Node (and Bun): the wasm is read and instantiated synchronously at import; `init()` is a no-op.
import { readFileSync } from 'node:fs';
import { initSync } from './wasm/eks_auth_wasm.js';
import { markReady } from './state.js';

initSync({ module: readFileSync(new URL('./wasm/eks_auth_wasm_bg.wasm', import.meta.url)) });
markReady();

/** Already done at import in Node; kept so code written for every host runs unchanged. */
export async function init(_input) {}

export * from './core.js';
export * from './client.js';
