// Node (and Bun): the wasm is read and instantiated synchronously at import; `init()` is a no-op.
import { initSync } from './wasm/eks_auth_wasm.js';
import { markReady } from './state.js';

// `process.getBuiltinModule` (Node ≥ 20.16, Bun) rather than `import ... from 'node:fs'`: Node
// builds an ESM facade of a builtin it imports by reading every export, which loads fs streams —
// ~4 ms of every cold start, a sixth of ours (`npm run coldstart`).
const { readFileSync } = process.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));

initSync({ module: readFileSync(new URL('./wasm/eks_auth_wasm_bg.wasm', import.meta.url)) });
markReady();

/** Already done at import in Node; kept so code written for every host runs unchanged. */
export async function init(_input) {}

export * from './core.js';
export * from './client.js';
