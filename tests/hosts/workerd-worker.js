// A Cloudflare Worker: the package's workerd entry (wasm arrives as a compiled module import).
import * as api from '../../pkg/workerd.js';
import { runConformance } from './conformance.js';

export default {
  async fetch(request) {
    await api.init();
    return Response.json(runConformance(api, await request.json()));
  },
};
