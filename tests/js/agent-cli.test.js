// Tests of `eks-pod-identity-agent` (pkg/sidecar/agent-cli.js): the EKS Pod Identity Agent's
// command line (agent 0.1.37 cmd/*.go) parsed as cobra and pflag do, mapped onto the sidecar with
// the agent's defaults; the endpoint's precedence (--endpoint, AWS_ENDPOINT_URL_EKS_AUTH,
// AWS_ENDPOINT_URL); --rotate-credentials' file provider on an injected clock; `server` run in
// process on loopback against the emulator. The chart's own argv, in a network namespace on port
// 80, runs in tests/js/deploy.test.js.
// Run: node --test tests/js/agent-cli.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { capture, waitForLine } from './support/logs.js';
import { configuredEndpoint, parseSidecarArgs } from '../../pkg/sidecar/cli.js';
import { ROTATION_INTERVAL_MS, rotatingSharedCredentials } from '../../pkg/sidecar/shared-credentials.js';
import {
  AGENT_DEFAULTS, parseAgentArgs, runAgentCli, sidecarArgv, verbosityLevel,
} from '../../pkg/sidecar/agent-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(root, 'pkg/bin/eks-pod-identity-agent.js');
const REGION = 'us-west-2';

/** runAgentCli in process: exit code, stdout, stderr. */
async function run(argv, io = {}) {
  const stdout = capture();
  const stderr = capture();
  const code = await runAgentCli(argv, { env: { AWS_REGION: REGION }, ...io, stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

test('package.json names the bin, and the file is executable', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.bin['eks-pod-identity-agent'], 'pkg/bin/eks-pod-identity-agent.js');
  const version = execFileSync(BIN, ['version'], { encoding: 'utf8' });
  assert.equal(version, `EKS Pod Identity Agent version ${pkg.version} (eks-auth-wasm; the agent 0.1.37's command line)\n`);
});

test('parsed as cobra and pflag: the chart\'s args, flag forms, a stray `true` after the bool flag', () => {
  // charts/eks-pod-identity-agent/values.yaml:109 and templates/daemonset.yaml:74-92 (agent 0.1.37).
  assert.deepEqual(parseAgentArgs(['server', '--port', '80', '--cluster-name', 'c', '--probe-port', '2703', '-v', 'trace']), {
    command: 'server', flags: { port: '80', 'cluster-name': 'c', 'probe-port': '2703', verbosity: 'trace' }, ignored: [],
  });
  // The hybrid chart (values.yaml:11-12): two arguments; the bool takes no value, `true` is ignored.
  assert.deepEqual(parseAgentArgs(['server', '-c', 'c', '-v', 'trace', '--rotate-credentials', 'true']), {
    command: 'server', flags: { 'cluster-name': 'c', verbosity: 'trace', 'rotate-credentials': true }, ignored: ['true'],
  });
  assert.deepEqual(parseAgentArgs(['initialize', '-v', 'trace']), { command: 'initialize', flags: { verbosity: 'trace' }, ignored: [] });
  // Flags before the command, every short and long form, repeated arrays, `--flag=false`.
  assert.deepEqual(parseAgentArgs(['-vdebug', '--port=81', 'server', '-p=82', '-cX', '-b', '127.0.0.1', '--bind-hosts=[::1]', '--rotate-credentials=false']).flags, {
    verbosity: 'debug', port: '82', 'cluster-name': 'X', 'bind-hosts': ['127.0.0.1', '[::1]'], 'rotate-credentials': false,
  });
  assert.deepEqual(parseAgentArgs(['server', '--', '--port']), { command: 'server', flags: {}, ignored: ['--port'] });
  for (const [argv, message] of [
    [['server', '--log-level', 'info'], /^unknown flag: --log-level$/],
    [['server', '-x'], /^unknown shorthand flag: 'x' in -x$/],
    [['server', '--port'], /^flag needs an argument: --port$/],
    [['version', '--port', '80'], /^unknown flag: --port$/],
    [['serve'], /^unknown command "serve" for "eks-pod-identity-agent"$/],
    [['server', '--rotate-credentials=yes'], /ParseBool: parsing "yes": invalid syntax/],
  ]) assert.throws(() => parseAgentArgs(argv), { name: 'AgentUsageError', message }, argv.join(' '));
});

test('-v takes logrus\'s levels, case-insensitive; an invalid level exits 1', async () => {
  const levels = { panic: null, fatal: null, error: 'error', warn: 'warn', warning: 'warn', info: 'info', debug: 'debug', trace: 'debug' };
  for (const [level, ours] of Object.entries(levels)) {
    assert.equal(verbosityLevel(level), ours, level);
    assert.equal(verbosityLevel(level.toUpperCase()), ours, level);
  }
  const bad = await run(['server', '-c', 'c', '-v', 'verbose']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'Invalid logging verbosity: not a valid logrus Level: "verbose"\n');
  const missing = await run(['server', '-v', 'trace']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Error: required flag\(s\) "cluster-name" not set\n/);
  const port = await run(['server', '-c', 'c', '-p', '70000']);
  assert.equal(port.code, 1);
  assert.match(port.stderr, /^Error: --port expects an integer 0\.\.65535, got '70000'\n/);
  // The bin's exit code, as a process.
  const child = spawnSync(process.execPath, [BIN, '-v', 'nope', 'version'], { encoding: 'utf8' });
  assert.equal(child.status, 1);
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage:\n {2}eks-pod-identity-agent \[command\]$/m);
});

test('under the agent\'s name the defaults are the agent\'s: port 80, the link-local pair, metrics on 0.0.0.0', () => {
  const { options, logLevel } = parseSidecarArgs(sidecarArgv({ 'cluster-name': 'c' }, 'debug'), { env: { AWS_REGION: REGION } });
  assert.equal(logLevel, 'debug');
  assert.deepEqual({ ...options }, {
    clusterName: 'c',
    region: REGION,
    hosts: ['169.254.170.23', 'fd00:ec2::23'],
    port: 80,
    probePort: 2703,
    probeHost: '127.0.0.1',
    metricsPort: 2705,
    metricsHost: '0.0.0.0',
    maxCacheSize: 2000,
    rateLimit: options.rateLimit,
    refreshRateLimit: 3,
    maxRetention: 3 * 3600 * 1000,
    answerWithinMs: options.answerWithinMs,
    maxInflight: options.maxInflight,
  });
  assert.deepEqual(AGENT_DEFAULTS['bind-hosts'], ['169.254.170.23', '[fd00:ec2::23]']);
  // Each agent flag reaches its option.
  const given = parseSidecarArgs(sidecarArgv({
    'cluster-name': 'x', port: '8080', 'probe-port': '1', 'metrics-address': '127.0.0.2', 'metrics-port': '2',
    'max-credential-retention-before-renewal': '1h30m', 'max-cache-size': '5', 'max-service-qps': '7',
    'bind-hosts': ['[::1]', '127.0.0.1'], endpoint: 'http://127.0.0.1:9',
  }, null), { env: {} }).options;
  assert.deepEqual([given.port, given.probePort, given.metricsHost, given.metricsPort, given.maxRetention, given.maxCacheSize, given.refreshRateLimit],
    [8080, 1, '127.0.0.2', 2, 5400 * 1000, 5, 7]);
  assert.deepEqual(given.hosts, ['::1', '127.0.0.1']);
  assert.equal(given.endpoint, 'http://127.0.0.1:9');
});

test('the endpoint: --endpoint, then EKS_AUTH_ENDPOINT, then AWS_ENDPOINT_URL_EKS_AUTH, then AWS_ENDPOINT_URL', () => {
  const endpoint = (argv, env) => parseSidecarArgs(['--cluster-name', 'c', ...argv], { env: { AWS_REGION: REGION, ...env } }).options.endpoint;
  const all = {
    EKS_AUTH_ENDPOINT: 'http://127.0.0.1:2', AWS_ENDPOINT_URL_EKS_AUTH: 'http://127.0.0.1:3', AWS_ENDPOINT_URL: 'http://127.0.0.1:4',
  };
  assert.equal(endpoint(['--endpoint', 'http://127.0.0.1:1'], all), 'http://127.0.0.1:1');
  assert.equal(endpoint([], all), 'http://127.0.0.1:2');
  assert.equal(endpoint([], { ...all, EKS_AUTH_ENDPOINT: undefined }), 'http://127.0.0.1:3');
  assert.equal(endpoint([], { ...all, EKS_AUTH_ENDPOINT: undefined, AWS_ENDPOINT_URL_EKS_AUTH: '' }), 'http://127.0.0.1:4');
  assert.equal(endpoint([], {}), undefined, 'the region\'s endpoint');
  // The SDKs' switch that turns the configured endpoints off.
  assert.equal(configuredEndpoint({ ...all, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }), undefined);
  assert.equal(configuredEndpoint({ ...all, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' }), 'http://127.0.0.1:3');
});

test('--rotate-credentials: the default profile of the shared credentials file, read again once a minute has passed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-rotate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'credentials');
  const write = (key) => writeFileSync(file, `[default]\naws_access_key_id = ${key}\naws_secret_access_key = secret-${key}\n[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = x\n`);
  write('AKIDFIRST');
  let now = Date.parse('2026-01-15T08:00:00Z');
  // AWS_PROFILE is ignored, as the agent's provider ignores it.
  const provider = rotatingSharedCredentials({ env: { AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'other' }, now: () => now });
  const first = await provider();
  assert.equal(first.accessKeyId, 'AKIDFIRST');
  assert.equal(first.secretAccessKey, 'secret-AKIDFIRST');
  assert.equal(first.expiration.getTime(), now + ROTATION_INTERVAL_MS);
  write('AKIDSECOND');
  now += ROTATION_INTERVAL_MS - 1;
  assert.equal((await provider()).accessKeyId, 'AKIDFIRST', 'kept for a minute');
  now += 1;
  assert.equal((await provider()).accessKeyId, 'AKIDSECOND', 'read again after a minute');
  // Concurrent callers share one read; a failed read is not kept.
  const [a, b] = await Promise.all([provider(), provider()]);
  assert.equal(a, b);
  rmSync(file);
  now += ROTATION_INTERVAL_MS;
  await assert.rejects(provider());
  write('AKIDTHIRD');
  assert.equal((await provider()).accessKeyId, 'AKIDTHIRD');
});

test('server, in process on loopback: EKS Auth through AWS_ENDPOINT_URL_EKS_AUTH, JSON logs on stdout, SIGTERM-like stop exits 0', async (t) => {
  const emulator = await startEmulator({
    region: REGION,
    associations: [{ cluster: 'c', namespace: 'default', serviceAccount: 'app', roleArn: 'arn:aws:iam::111122223333:role/app' }],
  });
  t.after(() => emulator.close());
  const stdout = capture();
  const stderr = capture();
  const stop = new AbortController();
  const exited = runAgentCli(
    ['server', '--cluster-name', 'c', '-p', '0', '-b', '[::1]', '-b', '127.0.0.1', '--probe-port', '0', '--metrics-port', '0', '--metrics-address', '127.0.0.1', '-v', 'trace'],
    {
      env: { AWS_REGION: REGION, AWS_ENDPOINT_URL_EKS_AUTH: emulator.endpoint },
      credentials: DEFAULT_CALLER, stdout: stdout.stream, stderr: stderr.stream, signal: stop.signal,
    },
  );
  const listening = await waitForLine(stdout.text, (r) => r.msg === 'listening');
  assert.equal(listening.endpoint, emulator.endpoint);
  const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'app' });
  for (const url of listening.urls) {
    const credentials = await fromHttp({ awsContainerCredentialsFullUri: url, awsContainerAuthorizationToken: token })();
    assert.match(credentials.accessKeyId, /^ASIA/, url);
  }
  stop.abort();
  assert.equal(await exited, 0);
  assert.equal(stderr.text(), '', 'logs on stdout, none on stderr');
  assert.ok(stdout.text().trim().split('\n').every((line) => JSON.parse(line).msg), 'JSON lines');
  assert.ok(!stdout.text().includes(token));
});

test('server --rotate-credentials true: signs with the credentials file\'s default profile (the hybrid chart\'s args)', async (t) => {
  const emulator = await startEmulator({
    region: REGION,
    associations: [{ cluster: 'c', namespace: 'default', serviceAccount: 'app', roleArn: 'arn:aws:iam::111122223333:role/app' }],
  });
  t.after(() => emulator.close());
  const dir = mkdtempSync(join(tmpdir(), 'agent-hybrid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'credentials');
  writeFileSync(file, `[default]\naws_access_key_id = ${DEFAULT_CALLER.accessKeyId}\naws_secret_access_key = ${DEFAULT_CALLER.secretAccessKey}\n`);
  const stdout = capture();
  const stderr = capture();
  const stop = new AbortController();
  const exited = runAgentCli(
    ['server', '--cluster-name', 'c', '-p', '0', '-b', '127.0.0.1', '--probe-port', '0', '--metrics-port', '0', '-v', 'trace', '--rotate-credentials', 'true'],
    {
      // No keys in the environment: only the file can sign.
      env: { AWS_REGION: REGION, AWS_ENDPOINT_URL: emulator.endpoint, AWS_SHARED_CREDENTIALS_FILE: file },
      stdout: stdout.stream, stderr: stderr.stream, signal: stop.signal,
    },
  );
  const listening = await waitForLine(stdout.text, (r) => r.msg === 'listening');
  assert.equal(listening.endpoint, emulator.endpoint, 'AWS_ENDPOINT_URL, with no --endpoint nor AWS_ENDPOINT_URL_EKS_AUTH');
  await waitForLine(stdout.text, (r) => r.msg === 'caller credentials found (shared credentials file, read again every minute)');
  const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'app' });
  const credentials = await fromHttp({ awsContainerCredentialsFullUri: listening.url, awsContainerAuthorizationToken: token })();
  assert.match(credentials.accessKeyId, /^ASIA/);
  assert.equal(emulator.stats.outcomes.ok, 1);
  stop.abort();
  assert.equal(await exited, 0);
  assert.equal(stderr.text(), '');
  assert.ok(!stdout.text().includes(DEFAULT_CALLER.secretAccessKey));
});
