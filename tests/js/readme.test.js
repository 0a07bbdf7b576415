// The README's local blocks run as written: every fenced block tagged `sh local` or `js local`, in
// order, as one shell session in a project with the packed tarball installed (a `js local` block is
// saved to a file and run with node). The session runs in a network namespace of its own
// (`unshare --net`), so the fixed ports the README shows (8080, 2703, 2706, 2707) are free and
// nothing can leave loopback. The README is a user's page: it stays within 250 lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packedProject } from '../hosts/harness.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const MAX_LINES = 250;

/** The README's fenced blocks tagged `local`, in order: { language, text }. */
function localBlocks(markdown) {
  const blocks = [];
  const fence = /^```(\w+) local\n([\s\S]*?)^```$/gm;
  for (const [, language, text] of markdown.matchAll(fence)) blocks.push({ language, text });
  return blocks;
}

let packed;
before(() => {
  packed = packedProject({ name: 'readme' });
});
after(() => packed?.cleanup());

test('the README is a user\'s page of at most 250 lines', () => {
  const lines = README.split('\n').length;
  assert.ok(lines <= MAX_LINES, `README.md has ${lines} lines`);
});

test('every local block of the README runs as written, in order', async () => {
  assert.equal(process.getuid?.(), 0, 'needs root for a network namespace of its own (unshare --net)');
  assert.equal(spawnSync('unshare', ['--net', 'true']).status, 0, 'unshare --net does not run here');
  const blocks = localBlocks(README);
  assert.deepEqual(blocks.map((b) => b.language), ['sh', 'sh', 'js', 'sh', 'sh'], 'the README\'s local blocks changed: update this test\'s expectations');

  const script = ['set -euo pipefail', 'ip link set lo up', 'trap \'kill $(jobs -p) 2>/dev/null || true\' EXIT'];
  blocks.forEach(({ language, text }, i) => {
    if (language === 'js') {
      const file = `readme-${i}.mjs`;
      writeFileSync(join(packed.project, file), text);
      script.push(`node ${file}`);
    } else {
      script.push(text);
    }
  });
  const child = spawn('unshare', ['--net', '--', 'bash', '-c', script.join('\n')], {
    cwd: packed.project,
    env: {
      PATH: process.env.PATH,
      HOME: packed.project, // no ~/.aws of the machine's
      AWS_EC2_METADATA_DISABLED: 'true',
      npm_config_update_notifier: 'false',
      npm_config_offline: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: the servers the blocks start in the background end with it
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000); // against a hang only
  const [code] = await new Promise((resolve) => child.on('exit', (...args) => resolve(args)));
  clearTimeout(guard);
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // the group has ended already
  }
  await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `the README's blocks failed:\n${stdout}\n${stderr}`);

  // The CLI's table, as the AWS CLI prints it.
  assert.match(stdout, /\|\s+AssumeRoleForPodIdentity\s+\|/);
  assert.match(stdout, /\|\s+accessKeyId\s+\|\s+ASIA/);
  assert.match(stdout, /^credential_process works$/m);
  // The library's exchange.
  assert.match(stdout, /^arn:aws:sts::111122223333:assumed-role\/my-role\/\S+ until \d{4}-\d\d-\d\dT/m);
  // The sidecar's answer: the agent's JSON.
  const answer = stdout.split('\n').find((line) => line.startsWith('{"AccessKeyId"'));
  assert.ok(answer, `no container-credentials answer in:\n${stdout}`);
  assert.deepEqual(Object.keys(JSON.parse(answer)), ['AccessKeyId', 'SecretAccessKey', 'Token', 'AccountId', 'Expiration']);
  assert.match(stdout, /^open http:\/\/127\.0\.0\.1:2707\/ in a browser$/m);
});
