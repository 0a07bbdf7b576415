// Deno: the package imported by name from the project's node_modules (the `deno` export), init()
// loading the wasm by URL.
import * as api from 'eks-auth-wasm';
import { runConformance } from './conformance.js';

await api.init();
await api.init();
console.log(JSON.stringify({ entry: import.meta.resolve('eks-auth-wasm'), ...runConformance(api, JSON.parse(Deno.readTextFileSync('fixtures.json'))) }));
