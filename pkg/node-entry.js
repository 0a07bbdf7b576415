// Node (and Bun): the wasm is read and instantiated synchronously at import; `init()` is a no-op.
// The package's Node entry, pkg/node.js, is this file bundled with the modules it imports
// (`npm run build`): one module to load instead of six.
import { initSync } from './wasm/eks_auth_wasm.js';
import { markReady } from './state.js';

// `process.getBuiltinModule` (Node ≥ 20.16, Bun) rather than `import ... from 'node:fs'`: Node
// builds an ESM facade of a builtin it imports by reading every export, which loads fs streams —
// ~4 ms of every cold start (`npm run coldstart`).
const { readFileSync } = process.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));

// Beside this file and the bundle alike, by path where Node gives the directory (≥ 20.11, Bun): a
// file URL costs ~0.4 ms more to read at every start. Not `import.meta.resolve` of the package's
// own export: Node's first resolution from a module costs ~4 ms.
const wasmFile = import.meta.dirname === undefined ? new URL('./wasm/eks_auth_wasm_bg.wasm', import.meta.url) : `${import.meta.dirname}/wasm/eks_auth_wasm_bg.wasm`;
markReady(initSync({ module: readFileSync(wasmFile) }));

/** Already done at import in Node; kept so code written for every host runs unchanged. */
export async function init(_input) {}

export * from './core.js';
export * from './client.js';
