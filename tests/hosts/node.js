// Node: the package imported by name from an installed tarball, in ESM (the `node` export: the wasm
// read from the file beside it and instantiated synchronously at import). Conformance, then the
// exchange of exchange.json's token with EksAuthClient and Node's fetch.
import { readFileSync } from 'node:fs';
import * as api from 'eks-auth-wasm';
import { runConformance } from './conformance.js';

await api.init();
const report = { entry: import.meta.resolve('eks-auth-wasm'), ...runConformance(api, JSON.parse(readFileSync('fixtures.json', 'utf8'))) };
const { region, endpoint, credentials, clusterName, token } = JSON.parse(readFileSync('exchange.json', 'utf8'));
const client = new api.EksAuthClient({ region, endpoint, credentials });
report.credentials = api.toContainerCredentials(await client.assumeRoleForPodIdentity({ clusterName, token }));
console.log(JSON.stringify(report));
