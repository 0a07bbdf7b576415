// Node (and Bun): the wasm is read and instantiated synchronously at import; `init()` is a no-op.
// The package's Node entry is this file bundled with the modules it imports (pkg/dist/node.js,
// `npm run build`): one module to load instead of six.
import { initSync } from './wasm/eks_auth_wasm.js';
import { markReady } from './state.js';

// `process.getBuiltinModule` (Node ≥ 20.16, Bun) rather than `import ... from 'node:fs'`: Node
// builds an ESM facade of a builtin it imports by reading every export, which loads fs streams —
// ~4 ms of every cold start (`npm run coldstart`).
const { readFileSync } = process.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));

// The wasm by the package's own export, which names it wherever this code lies (here or bundled
// into pkg/dist/).
initSync({ module: readFileSync(new URL(import.meta.resolve('eks-auth-wasm/eks-auth.wasm'))) });
markReady();

/** Already done at import in Node; kept so code written for every host runs unchanged. */
export async function init(_input) {}

export * from './core.js';
export * from './client.js';
