// A Cloudflare Worker importing the package by name; wrangler bundles it through the `workerd`
// export, whose wasm arrives as a module compiled ahead. POST the fixtures, get the conformance report,
// and whether this runtime refuses to compile WebAssembly from bytes (as Cloudflare does).
import * as api from 'eks-auth-wasm';
import { runConformance } from './conformance.js';

function compilesBytes() {
  try {
    new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    return true;
  } catch {
    return false;
  }
}

export default {
  async fetch(request) {
    await api.init();
    return Response.json({ ...runConformance(api, await request.json()), compilesBytes: compilesBytes() });
  },
};
