// Whether the wasm module is instantiated: set by each host entry.
let ready = false;

/** @param {unknown} _exports the instance's exports, as `initSync` returns them */
export const markReady = (_exports) => {
  ready = true;
};
export const isReady = () => ready;
