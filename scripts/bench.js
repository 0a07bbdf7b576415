#!/usr/bin/env node
// `npm run bench`: the package's size, and the time of one signed request, side by side in one
// process with the AWS SDK for JavaScript's own signer (@smithy/signature-v4) on the same request.
// Reported as medians and a ratio; the absolute numbers depend on the machine.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { buildAssumeRoleRequest } from '../pkg/node.js';

const wasm = readFileSync(new URL('../pkg/wasm/eks_auth_wasm_bg.wasm', import.meta.url));
const glue = readFileSync(new URL('../pkg/wasm/eks_auth_wasm.js', import.meta.url));
const gz = (b) => gzipSync(b, { level: 9 }).length;
console.log(`wasm: ${wasm.length} bytes raw, ${gz(wasm)} gzip -9`);
console.log(`wasm + JS glue: ${wasm.length + glue.length} bytes raw, ${gz(wasm) + gz(glue)} gzip -9`);

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEXAMPLE' };
const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.' + 'eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpteS1zYSJ9'.repeat(20) + '.c2lnbmF0dXJl';
const input = { region: 'us-west-2', clusterName: 'my-cluster', token, credentials, now: 1764341090000 };
const smithy = new SignatureV4({ credentials, region: 'us-west-2', service: 'eks-auth', sha256: Sha256 });

async function median(fn, n = 2000) {
  for (let i = 0; i < 200; i++) await fn();
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[n >> 1];
}

const ours = await median(() => buildAssumeRoleRequest(input));
const theirs = await median(() =>
  smithy.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: 'eks-auth.us-west-2.api.aws',
      path: '/clusters/my-cluster/assume-role-for-pod-identity',
      headers: { 'content-type': 'application/json', host: 'eks-auth.us-west-2.api.aws' },
      body: JSON.stringify({ token }),
    },
    { signingDate: new Date(1764341090000) },
  ),
);
console.log(`buildAssumeRoleRequest (validate + build + sign, wasm): median ${ours.toFixed(1)} µs`);
console.log(`@smithy/signature-v4 sign of the same request (pure JS): median ${theirs.toFixed(1)} µs`);
console.log(`ratio ours/smithy: ${(ours / theirs).toFixed(2)}`);
