// `npm start`, the main job: a child process prints the export lines and a curl; an AWS SDK given
// those lines gets credentials; no token or key is printed; Ctrl-C stops it with 130.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { once } from 'node:events';
import { fromHttp } from '@aws-sdk/credential-provider-http';

const bin = new URL('../../pkg/bin/eks-auth.js', import.meta.url).pathname;

async function startChild(args = []) {
  const child = spawn(process.execPath, [bin, 'start', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output in time; stderr:\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.split('\n').length > 4) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

test('npm start prints the SDK lines, serves credentials to a real SDK, prints no secret, stops on Ctrl-C', async () => {
  const run = await startChild();
  const lines = run.stdout().trimEnd().split('\n');
  assert.equal(lines.length, 4);
  const uri = lines[0].match(/^export AWS_CONTAINER_CREDENTIALS_FULL_URI=(http:\/\/127\.0\.0\.1:\d+\/v1\/credentials)$/)?.[1];
  const tokenFile = lines[1].match(/^export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=(\S+)$/)?.[1];
  assert.ok(uri, lines[0]);
  assert.ok(tokenFile && existsSync(tokenFile), lines[1]);
  assert.equal(lines[2], `curl -s -H "Authorization: $(cat ${tokenFile})" ${uri}`);
  const consoleUrl = lines[3].match(/^console: (http:\/\/127\.0\.0\.1:\d+\/)$/)?.[1];
  assert.ok(consoleUrl, lines[3]);
  const page = await fetch(consoleUrl);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  const token = readFileSync(tokenFile, 'utf8');
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

  // The printed curl works as printed.
  const body = JSON.parse(execFileSync('bash', ['-c', lines[2]], { encoding: 'utf8' }));
  assert.match(body.AccessKeyId, /^ASIA/);
  assert.ok(body.SecretAccessKey && body.Token && body.Expiration);

  // A real AWS SDK provider, configured exactly by the two export lines.
  const saved = { ...process.env };
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = uri;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = tokenFile;
  try {
    const credentials = await fromHttp({})();
    assert.match(credentials.accessKeyId, /^ASIA/);
    assert.ok(credentials.expiration instanceof Date && credentials.expiration > new Date());
  } finally {
    process.env = saved;
  }

  run.child.kill('SIGINT');
  const [code] = await once(run.child, 'exit');
  assert.equal(code, 130);
  const printed = run.stdout() + run.stderr();
  assert.ok(!printed.includes(token), 'the token is never printed');
  assert.ok(!printed.includes(body.SecretAccessKey) && !printed.includes(body.Token), 'no credentials printed');
  assert.ok(!printed.includes('EXAMPLEKEY') && !/secretAccessKey"?\s*[:=]/i.test(run.stderr()), 'no caller secret printed');
  assert.ok(!existsSync(tokenFile), 'the minted token file is removed on exit');
});

test('start against real EKS Auth needs a cluster and a token file', async () => {
  const child = spawn(process.execPath, [bin, 'start', '--region', 'us-west-2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /--cluster-name and --token-file are required/);
});
