// Whether the wasm module is instantiated; set by each host entry, read by core.js.
let ready = false;

export const markReady = () => {
  ready = true;
};
export const isReady = () => ready;
