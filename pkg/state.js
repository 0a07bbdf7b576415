// The wasm module's state: whether it is instantiated (set by each host entry) and its memory,
// where `core.js` reads what a response's read left there (src/wasm.rs `SPANS`).
let memory = null;

/** @param {{ memory: WebAssembly.Memory }} exports the instance's exports, as `initSync` returns them */
export const markReady = (exports) => {
  memory = exports.memory;
};
export const isReady = () => memory !== null;
export const wasmMemory = () => memory;
