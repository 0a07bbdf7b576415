#!/usr/bin/env node
// `npm test`'s run of the native example (examples/emulator_exchange.rs, cargo feature
// `native-example`): the Rust core's request sent with hyper to a local emulator, the answer read
// back through `http`. Fails, never skips, when the example does not build or answer.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { DEFAULT_CALLER, startEmulator } from '../pkg/emulator/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLUSTER = 'native-cluster';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/native-role';

const emulator = await startEmulator({
  region: 'us-west-2',
  callers: [DEFAULT_CALLER],
  associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'native-sa', roleArn: ROLE_ARN }],
  log: () => {},
});
try {
  const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'native-sa', podName: 'native-pod' });
  // Asynchronously: the emulator answers from this process's event loop.
  const child = spawn('cargo', ['run', '--quiet', '--example', 'emulator_exchange', '--features', 'native-example'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      EKS_AUTH_ENDPOINT: emulator.endpoint,
      EKS_AUTH_REGION: 'us-west-2',
      EKS_AUTH_CLUSTER_NAME: CLUSTER,
      EKS_AUTH_TOKEN: token,
      AWS_ACCESS_KEY_ID: DEFAULT_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEFAULT_CALLER.secretAccessKey,
      AWS_SESSION_TOKEN: '',
    },
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  const [status, signal] = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  const run = { status, signal, stdout };
  assert.equal(run.status, 0, `the native example exited with ${run.status ?? run.signal}`);
  const credentials = JSON.parse(run.stdout);
  assert.match(credentials.AccessKeyId, /^ASIA/);
  assert.equal(credentials.AccountId, '111122223333');
  assert.ok(Date.parse(credentials.Expiration) > Date.now(), credentials.Expiration);
  assert.equal(emulator.stats.authenticated, 1, 'the emulator authenticated the signed request');
  assert.equal(emulator.issuedCredentials(credentials.AccessKeyId)?.tokenId !== undefined, true, 'issued to the token sent');
  process.stderr.write(`native example: credentials for account ${credentials.AccountId}, expiring ${credentials.Expiration}\n`);
} finally {
  await emulator.close();
}
