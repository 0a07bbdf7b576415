// Deno: the package's deno entry (pkg/web.js), init() loading the wasm by URL.
import * as api from '../../pkg/web.js';
import { runConformance, fixturesFrom } from './conformance.js';

const read = (name) => JSON.parse(Deno.readTextFileSync(new URL(`../data/eks-auth/${name}`, import.meta.url)));
await api.init();
await api.init();
console.log(JSON.stringify(runConformance(api, fixturesFrom(read('request-vectors.json'), read('extra-request-vectors.json'), read('response-vectors.json')))));
