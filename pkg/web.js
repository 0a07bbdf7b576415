// Browsers, Deno and other standard hosts: `await init()` fetches and instantiates the wasm
// (streaming where served as application/wasm). It is idempotent, and takes a
// `WebAssembly.Module`, URL, Response or bytes when the host brings its own.
import initWasm, { initSync } from './wasm/eks_auth_wasm.js';
import { isReady, markReady } from './state.js';

let loading;

/** Loads the WebAssembly module once; later calls return the same promise. */
export function init(input) {
  if (isReady()) return Promise.resolve();
  if (input instanceof WebAssembly.Module) {
    markReady(initSync({ module: input }));
    return Promise.resolve();
  }
  loading ??= initWasm({ module_or_path: input ?? new URL('./wasm/eks_auth_wasm_bg.wasm', import.meta.url) })
    .then(markReady)
    .catch((e) => {
      loading = undefined;
      throw e;
    });
  return loading;
}

export * from './core.js';
export * from './client.js';
