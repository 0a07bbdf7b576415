// No secret in any log line, error message, metric or debug output. The sidecar, the CLI (with
// --debug), the emulator and the client run through success and every error path — each modeled
// EKS Auth error, every fault the emulator injects, authentication failures (a wrong secret key,
// whose InvalidSignatureException echoes the canonical request with the session token, as AWS
// does), bad, expired and foreign tokens, a dead endpoint, timeouts, rate limiting, a foreign Host —
// and every text they produce is searched for every token, secret access key and session token
// of the run: whole, as any 12-character piece, JSON-escaped, URL-encoded and with `\/`.
// Outputs whose purpose is the credentials are left out: the sidecar's 200 answers, the stdout of
// a successful `assume-role-for-pod-identity`/`credential-process`/`env`, the minted token the
// emulator prints on stdout, the client's result.
// Run: node --test tests/js/secrets.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';
for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
  delete process.env[name];
}

import '../../scripts/built.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { EksAuthClient, buildAssumeRoleRequest } from 'eks-auth-wasm';
import { MODELED_ERRORS, startEmulator } from '../../pkg/emulator/index.js';

const BIN = fileURLToPath(new URL('../../pkg/bin/eks-auth.js', import.meta.url));
const REGION = 'us-west-2';
const CLUSTER = 'secrets-cluster';
const ROLE = 'arn:aws:iam::111122223333:role/secrets-role';
const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Distinctive values with the characters real ones have (`/`, `+`, `=`), so a substring search means something. */
const b64 = (n) => randomBytes(n).toString('base64');
const CALLER = {
  accessKeyId: 'AKIASECRETSTESTCALLER',
  secretAccessKey: `CaLLeRsEcReT/${b64(21)}`,
  sessionToken: `CaLLeRsEsSiOn+${b64(300)}`,
};
/** The same key id with another secret: the emulator answers InvalidSignatureException and echoes the
 * canonical request, session token included. */
const WRONG_SECRET = { ...CALLER, secretAccessKey: `WrOnGsEcReT/${b64(21)}` };
/** A key the emulator does not know: UnrecognizedClientException. */
const UNKNOWN = { accessKeyId: 'AKIASECRETSUNKNOWN00', secretAccessKey: `UnKnOwNsEcReT+${b64(21)}`, sessionToken: `UnKnOwNsEsSiOn/${b64(200)}` };

/**
 * Every secret of the run, and the search: each secret whole, JSON-escaped, URL-encoded and with
 * escaped slashes, and every 12-character piece of those forms.
 */
class Secrets {
  static PIECE = 12;

  constructor() {
    this.pieces = new Map();
    this.values = [];
  }

  add(label, value) {
    if (typeof value !== 'string' || value.length < Secrets.PIECE || this.values.some((v) => v.value === value)) return;
    this.values.push({ label, value });
    const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), value.replaceAll('/', '\\/')]);
    for (const form of forms) {
      for (let i = 0; i + Secrets.PIECE <= form.length; i += 1) {
        const piece = form.slice(i, i + Secrets.PIECE);
        if (!this.pieces.has(piece)) this.pieces.set(piece, label);
      }
    }
  }

  /** A JWT: the whole token, and each segment as its own secret (the header segment is the same
   * for every token of one issuer, so it says which token only with the others). */
  addToken(label, token) {
    this.add(label, token);
    const [, claims, signature] = token.split('.');
    this.add(`${label} (claims segment)`, claims);
    this.add(`${label} (signature segment)`, signature);
  }

  /** The first secret piece in `text`, or undefined. */
  find(text) {
    for (let i = 0; i + Secrets.PIECE <= text.length; i += 1) {
      const label = this.pieces.get(text.slice(i, i + Secrets.PIECE));
      if (label !== undefined) return { label, at: i };
    }
    return undefined;
  }
}

const secrets = new Secrets();
secrets.add('caller secret access key', CALLER.secretAccessKey);
secrets.add('caller session token', CALLER.sessionToken);
secrets.add('wrong secret access key', WRONG_SECRET.secretAccessKey);
secrets.add('unknown caller secret access key', UNKNOWN.secretAccessKey);
secrets.add('unknown caller session token', UNKNOWN.sessionToken);

/** Every text checked, by where it came from. */
const outputs = [];
const record = (where, text) => {
  if (text !== undefined && text !== null && String(text) !== '') outputs.push({ where, text: String(text) });
};
/** What each component was driven through, for the summary. */
const exercised = { sidecar: [], cli: [], client: [], emulator: [] };

let tmp;
let emulator;
let proxy;
let deadEndpoint;
const emulatorLog = [];

/**
 * A recording proxy in front of the emulator: every pod credential EKS Auth hands out goes into the
 * secrets, whoever asked. It forwards bytes unchanged (Host included, so signatures hold).
 */
async function startProxy(target) {
  const server = createServer((req, res) => {
    const upstream = httpRequest({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        if (up.statusCode === 200) {
          try {
            const { credentials } = JSON.parse(body.toString('utf8'));
            secrets.add('pod secret access key', credentials?.secretAccessKey);
            secrets.add('pod session token', credentials?.sessionToken);
          } catch { /* garbage fault */ }
        }
        res.writeHead(up.statusCode, up.headers);
        res.end(body);
      });
      up.on('error', () => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

const mint = async (label, options) => {
  const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'app', podName: 'pod-1', ...options });
  secrets.addToken(label, token);
  return token;
};

// setFaults merges: name every fault to turn them all off.
const NO_FAULTS = { throttle: 0, error500: 0, error503: 0, drop: 0, garbage: 0, latencyMs: 0, errors: {} };
const FAULTS = {
  throttle: { throttle: 1 },
  error500: { error500: 1 },
  error503: { error503: 1 },
  drop: { drop: 1 },
  garbage: { garbage: 1 },
};
const faultCases = () => [
  ...Object.keys(MODELED_ERRORS).map((type) => [`forced ${type}`, { errors: { [type]: 1 } }]),
  ...Object.entries(FAULTS).map(([name, faults]) => [`fault ${name}`, faults]),
];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'eks-auth-secrets-'));
  emulator = await startEmulator({
    region: REGION,
    callers: [CALLER],
    associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'app', roleArn: ROLE }],
    clusters: ['other-cluster'],
    signingKey: SIGNING_KEY,
    log: (r) => emulatorLog.push(JSON.stringify(r)),
  });
  proxy = await startProxy(emulator);
  // A port nothing listens on.
  const dead = createServer().listen(0, '127.0.0.1');
  await once(dead, 'listening');
  deadEndpoint = `http://127.0.0.1:${dead.address().port}`;
  await new Promise((resolve) => dead.close(resolve));
});

after(async () => {
  await emulator?.close();
  proxy?.server.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs the real bin; resolves with exit code, stdout and stderr. */
function run(args, { env = {}, timeoutMs = 60_000, onStderr } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: tmp,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(tmp, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-credentials'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => {
    stderr += c;
    onStderr?.(stderr);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = once(child, 'close').then(([code, signal]) => {
    clearTimeout(timer);
    return { code: code ?? signal, stdout, stderr };
  });
  return { child, done, get stderr() { return stderr; } };
}

const callerEnv = (c) => (c === null ? {} : {
  AWS_ACCESS_KEY_ID: c.accessKeyId,
  AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
});

/** Starts `eks-auth sidecar` on free loopback ports; resolves once it has said where it listens. */
async function startSidecar(name, { caller = CALLER, endpoint = proxy.url, extra = [] } = {}) {
  const args = ['sidecar', '--cluster-name', CLUSTER, '--region', REGION, '--endpoint', endpoint, '--port', '0',
    '--probe-port', '0', '--metrics-port', '0', '--metrics-address', '127.0.0.1', '--log-level', 'debug', ...extra];
  let listening;
  const ready = new Promise((resolve) => { listening = resolve; });
  const proc = run(args, {
    env: callerEnv(caller),
    onStderr: (text) => {
      const line = text.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) listening(JSON.parse(line));
    },
  });
  const info = await Promise.race([ready, proc.done.then((r) => { throw new Error(`sidecar ${name} exited: ${r.stderr}`); })]);
  return {
    info,
    port: new URL(info.url).port,
    async stop() {
      proc.child.kill('SIGTERM');
      const result = await proc.done;
      record(`sidecar ${name}: stderr (JSON log lines)`, result.stderr);
      return result;
    },
  };
}

/** One request to a sidecar as an SDK sends it; non-200 answers are recorded for the search. */
function ask(sidecar, { token, host, path = '/v1/credentials', label }) {
  return new Promise((resolve, reject) => {
    const headers = { host: host ?? `127.0.0.1:${sidecar.port}` };
    if (token !== undefined) headers.authorization = token;
    const req = httpRequest({ host: '127.0.0.1', port: sidecar.port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        if (res.statusCode !== 200) record(`sidecar answer ${res.statusCode} to ${label}`, `${JSON.stringify(res.headers)}\n${body}`);
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function get(url) {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

test('sidecar: logs, error answers, probes and metrics carry no secret', { timeout: 180_000 }, async () => {
  const a = await startSidecar('A');
  const ok = await mint('sidecar token');
  for (const label of ['success', 'cache hit']) {
    const r = await ask(a, { token: ok, label });
    assert.equal(r.status, 200, r.body);
    const { SecretAccessKey, Token } = JSON.parse(r.body);
    secrets.add('pod secret access key', SecretAccessKey);
    secrets.add('pod session token', Token);
    exercised.sidecar.push(label);
  }
  // Each modeled error and fault, with a fresh token each (the sidecar caches per token).
  for (const [label, faults] of faultCases()) {
    emulator.setFaults({ ...NO_FAULTS, ...faults });
    const r = await ask(a, { token: await mint(`sidecar token, ${label}`), label });
    assert.notEqual(r.status, 200, label);
    exercised.sidecar.push(`${label} → ${r.status}`);
  }
  emulator.setFaults({ ...NO_FAULTS, latencyMs: 2_000 });
  const slowToken = await mint('sidecar token, slow upstream');
  const slow = await ask(a, { token: slowToken, label: 'slow upstream' });
  exercised.sidecar.push(`upstream slower than the answer time → ${slow.status}`);
  emulator.setFaults(NO_FAULTS);
  const tokenCases = [
    ['expired token', await mint('expired token', { now: Date.now() - 3 * 86_400_000, lifetimeSeconds: 3600 })],
    ['token for another audience', await mint('foreign-audience token', { audience: 'sts.amazonaws.com' })],
    ['token without an association', await mint('unassociated token', { serviceAccount: 'nobody' })],
  ];
  for (const [label, token] of tokenCases) {
    const r = await ask(a, { token, label });
    assert.notEqual(r.status, 200, label);
    exercised.sidecar.push(`${label} → ${r.status}`);
  }
  const notJwt = `NoTaJwT-${b64(30).replace(/[+/=]/g, '')}`;
  secrets.add('malformed token', notJwt);
  const malformed = [
    ['malformed token', notJwt],
    ['token with a space', `${ok.slice(0, 40)} ${ok.slice(40)}`],
    ['token with a stray dot', `${ok}.`],
    ['missing Authorization', undefined],
  ];
  for (const [label, token] of malformed) {
    const r = await ask(a, { token, label });
    assert.notEqual(r.status, 200, label);
    exercised.sidecar.push(`${label} → ${r.status}`);
  }
  const rebinding = await ask(a, { token: ok, host: 'attacker.example:2706', label: 'foreign Host' });
  assert.equal(rebinding.status, 403);
  exercised.sidecar.push('foreign Host → 403');
  const other = await ask(a, { token: ok, path: '/v1/other', label: 'unknown path' });
  exercised.sidecar.push(`unknown path → ${other.status}`);
  // The slow call goes on (its next attempt meets no latency) and finishes into the cache: asked
  // again until it has, rather than after a fixed wait.
  while ((await ask(a, { token: slowToken, label: 'slow upstream, again' })).status !== 200);

  // A sidecar whose own credentials are wrong: the echo of the canonical request (with the session
  // token) must not reach its answer or its log. Rate-limited, to see the 429 path too: one
  // request per 1000 s, so only the first is served however slowly the flood arrives.
  const b = await startSidecar('B', { caller: WRONG_SECRET, extra: ['--rate-limit', '0.001', '--burst', '1'] });
  const echoed = await ask(b, { token: ok, label: 'wrong caller secret (InvalidSignatureException echo)' });
  assert.equal(echoed.status, 403);
  assert.match(echoed.body, /InvalidSignatureException[\s\S]*x-amz-security-token:<redacted>/, 'the echo was received, and redacted');
  exercised.sidecar.push(`wrong caller secret → ${echoed.status}`);
  const flood = await Promise.all(Array.from({ length: 5 }, () => ask(b, { token: ok, label: 'flood' })));
  assert.ok(flood.every((r) => r.status === 429), `statuses ${flood.map((r) => r.status)}`);
  exercised.sidecar.push('flood → 429');

  const c = await startSidecar('C', { caller: UNKNOWN });
  const unknown = await ask(c, { token: ok, label: 'unknown caller key' });
  exercised.sidecar.push(`unknown caller key → ${unknown.status}`);
  const d = await startSidecar('D', { endpoint: deadEndpoint });
  const down = await ask(d, { token: ok, label: 'EKS Auth unreachable' });
  exercised.sidecar.push(`EKS Auth unreachable → ${down.status}`);

  for (const [name, s] of Object.entries({ A: a, B: b, C: c, D: d })) {
    for (const url of [s.info.metricsUrl, s.info.probeUrl?.replace(/\/?$/, '/healthz'), s.info.probeUrl?.replace(/\/?$/, '/readyz')]) {
      if (!url) continue;
      const target = url.includes('/metrics') || url.endsWith('/healthz') || url.endsWith('/readyz') ? url : `${url}/metrics`;
      const r = await get(target);
      record(`sidecar ${name}: ${new URL(target).pathname}`, r.text);
    }
    await s.stop();
  }
  assert.ok(outputs.some((o) => o.where === 'sidecar A: /metrics' && o.text.includes('pod_identity_http_response')), 'metrics were read');
});

/** Runs the CLI with --debug; stdout of a success is its purpose (the credentials), the rest is searched. */
async function cli(label, args, { caller = CALLER, env = {}, command = 'assume-role-for-pod-identity', expectOk = false } = {}) {
  const { code, stdout, stderr } = await run([command, ...args, '--debug'], {
    env: { AWS_MAX_ATTEMPTS: '1', ...callerEnv(caller), ...env },
  }).done;
  record(`cli ${label}: stderr (--debug)`, stderr);
  if (code === 0) {
    assert.ok(stdout.length > 0, `${label}: output`);
  } else {
    record(`cli ${label}: stdout (exit ${code})`, stdout);
  }
  if (expectOk) assert.equal(code, 0, `${label}: ${stderr.slice(-2000)}`);
  else assert.notEqual(code, 0, `${label} fails`);
  exercised.cli.push(`${label} → exit ${code}`);
  return { code, stdout, stderr };
}

test('CLI with --debug: traces, error messages and failed runs carry no secret', { timeout: 300_000 }, async () => {
  emulator.setFaults(NO_FAULTS);
  const token = await mint('cli token');
  const tokenFile = join(tmp, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const base = ['--cluster-name', CLUSTER, '--region', REGION, '--endpoint-url', proxy.url];
  const fromFile = [...base, '--token', `file://${tokenFile}`];

  const success = await cli('success, token from a file', fromFile, { expectOk: true });
  const { credentials } = JSON.parse(success.stdout);
  secrets.add('pod secret access key', credentials.SecretAccessKey);
  secrets.add('pod session token', credentials.SessionToken);
  assert.match(success.stderr, /botocore\.auth - DEBUG - CanonicalRequest/, '--debug traced the signing');
  await cli('success, token inline', [...base, '--token', token, '--output', 'text'], { expectOk: true });
  await cli('success, --cli-input-json', ['--region', REGION, '--endpoint-url', proxy.url,
    '--cli-input-json', JSON.stringify({ clusterName: CLUSTER, token })], { expectOk: true });
  await cli('credential-process', fromFile, { command: 'credential-process', expectOk: true });
  await cli('env', fromFile, { command: 'env', expectOk: true });

  for (const [label, faults] of faultCases()) {
    emulator.setFaults({ ...NO_FAULTS, ...faults });
    await cli(label, [...base, '--token', token]);
  }
  emulator.setFaults({ ...NO_FAULTS, latencyMs: 3_000 });
  await cli('read timeout', [...fromFile, '--cli-read-timeout', '1']);
  emulator.setFaults({ ...NO_FAULTS, errors: { InvalidTokenException: 1 } });
  await cli('credential-process, forced InvalidTokenException', fromFile, { command: 'credential-process' });
  await cli('env, forced InvalidTokenException', fromFile, { command: 'env' });
  emulator.setFaults(NO_FAULTS);

  // The rest needs no fault: four at a time.
  const expired = await mint('cli expired token', { now: Date.now() - 3 * 86_400_000, lifetimeSeconds: 3600 });
  const foreign = await mint('cli foreign-audience token', { audience: 'sts.amazonaws.com' });
  const unassociated = await mint('cli unassociated token', { serviceAccount: 'nobody' });
  const notJwt = `NoTaJwTcLi-${b64(30).replace(/[+/=]/g, '')}`;
  secrets.add('cli malformed token', notJwt);
  const credentialsFile = join(tmp, 'credentials');
  writeFileSync(credentialsFile, `[secrets]\naws_access_key_id = ${CALLER.accessKeyId}\naws_secret_access_key = ${CALLER.secretAccessKey}\n`
    + `aws_session_token = ${CALLER.sessionToken}\n`, { mode: 0o600 });
  const runs = [
    ['success, caller from a profile in the credentials file', [...fromFile, '--profile', 'secrets'],
      { caller: null, env: { AWS_SHARED_CREDENTIALS_FILE: credentialsFile }, expectOk: true }],
    ['profile without credentials', [...fromFile, '--profile', 'nobody'], { caller: null, env: { AWS_SHARED_CREDENTIALS_FILE: credentialsFile } }],
    ['wrong caller secret (InvalidSignatureException echo)', [...base, '--token', token], { caller: WRONG_SECRET }],
    ['unknown caller key', [...base, '--token', token], { caller: UNKNOWN }],
    ['--no-sign-request', [...base, '--token', token, '--no-sign-request']],
    ['expired token', [...base, '--token', expired]],
    ['token for another audience', [...base, '--token', foreign]],
    ['token without an association', [...base, '--token', unassociated]],
    ['unknown cluster', ['--cluster-name', 'no-such-cluster', '--region', REGION, '--endpoint-url', proxy.url, '--token', token]],
    ['malformed token (refused before sending)', [...base, '--token', notJwt]],
    ['token with a trailing newline', [...base, '--token', `${token}\n`]],
    ['malformed --cli-input-json', ['--region', REGION, '--cli-input-json', `{"clusterName": "${CLUSTER}", "token": "${token}"`]],
    ['EKS Auth unreachable', ['--cluster-name', CLUSTER, '--region', REGION, '--endpoint-url', deadEndpoint, '--token', token]],
  ];
  const results = {};
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let next; (next = runs.shift());) results[next[0]] = await cli(...next);
  }));
  const echo = results['wrong caller secret (InvalidSignatureException echo)'].stderr;
  assert.match(echo, /An error occurred \(InvalidSignatureException\)/);
  assert.match(echo, /x-amz-security-token:<redacted>/, 'the echo was received, and redacted');
});

test('client: errors, their inspection and trace events carry no secret', { timeout: 120_000 }, async () => {
  const events = [];
  const client = (caller = CALLER, options = {}) => new EksAuthClient({
    region: REGION, endpoint: proxy.url, credentials: caller, random: () => 0, timeoutMs: 1_000,
    onEvent: (event) => events.push(event), ...options,
  });
  /** Everything an application might print of an error. */
  const show = (label, error) => {
    record(`client ${label}: error`, [String(error), error?.stack, JSON.stringify(error), inspect(error, { depth: 6, showHidden: true })].join('\n'));
  };
  const attempt = async (label, token, caller, options) => {
    try {
      const result = await client(caller, options).assumeRoleForPodIdentity({ clusterName: CLUSTER, token });
      secrets.add('pod secret access key', result.credentials?.secretAccessKey);
      secrets.add('pod session token', result.credentials?.sessionToken);
      exercised.client.push(`${label} → result`);
    } catch (error) {
      show(label, error);
      exercised.client.push(`${label} → ${error.code}`);
    }
  };
  emulator.setFaults(NO_FAULTS);
  const token = await mint('client token');
  await attempt('success', token);
  for (const [label, faults] of faultCases()) {
    emulator.setFaults({ ...NO_FAULTS, ...faults });
    await attempt(label, token);
  }
  emulator.setFaults({ ...NO_FAULTS, latencyMs: 2_000 });
  await attempt('timeout', token);
  emulator.setFaults(NO_FAULTS);
  await attempt('wrong caller secret (InvalidSignatureException echo)', token, WRONG_SECRET);
  const echo = outputs.find((o) => o.where.startsWith('client wrong caller secret'));
  assert.match(echo?.text ?? '', /x-amz-security-token:<redacted>/, 'the echo was received, and redacted');
  await attempt('unknown caller key', token, UNKNOWN);
  await attempt('clock 10 minutes slow (Signature expired, re-signed)', token, CALLER, { now: () => Date.now() - 600_000 });
  await attempt('expired token', await mint('client expired token', { now: Date.now() - 3 * 86_400_000, lifetimeSeconds: 3600 }));
  await attempt('EKS Auth unreachable', token, CALLER, { endpoint: deadEndpoint });
  const notJwt = `NoTaJwTcLiEnT-${b64(30).replace(/[+/=]/g, '')}`;
  secrets.add('client malformed token', notJwt);
  await attempt('malformed token', notJwt);
  await attempt('malformed caller credentials', token, { accessKeyId: 'AKIA BAD', secretAccessKey: CALLER.secretAccessKey, sessionToken: `${CALLER.sessionToken}\n` });
  try {
    buildAssumeRoleRequest({ region: REGION, clusterName: CLUSTER, token: notJwt, credentials: CALLER, now: Date.now() });
  } catch (error) {
    show('buildAssumeRoleRequest, malformed token', error);
  }
  record('client: trace events (onEvent)', events.map((e) => JSON.stringify(e)).join('\n'));
  assert.ok(events.length > 0, 'events were traced');
  record('emulator (in process): request log', emulatorLog.join('\n'));
  exercised.emulator.push(`${emulatorLog.length} request log lines`);
});

test('emulator CLI: its log, usage errors and shutdown carry no secret', { timeout: 60_000 }, async () => {
  const callersFile = join(tmp, 'callers.json');
  writeFileSync(callersFile, JSON.stringify([UNKNOWN]));
  const tokenFile = join(tmp, 'minted-token');
  const emu = run(['emulator', '--region', REGION, '--caller', `${CALLER.accessKeyId}:${CALLER.secretAccessKey}:${CALLER.sessionToken}`,
    '--callers-file', callersFile, '--association', `${CLUSTER}/default/app=${ROLE}`, '--mint-token', 'default/app/pod-1',
    '--token-file', tokenFile, '--force-error', 'ThrottlingException=0.5']);
  let listening;
  while (!(listening = emu.stderr.split('\n').find((l) => l.includes('"event":"listening"')))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { endpoint } = JSON.parse(listening);
  // One good and one mis-signed request, so the log has both kinds of line.
  for (const caller of [CALLER, WRONG_SECRET]) {
    const request = buildAssumeRoleRequest({ region: REGION, clusterName: CLUSTER, token: 'a.b.c', credentials: caller, now: Date.now(), endpoint });
    const response = await fetch(request.url, request);
    await response.text(); // the wire answer mirrors AWS (the mismatch message echoes the caller's own token)
  }
  emu.child.kill('SIGTERM');
  const result = await emu.done;
  const minted = result.stdout.trim();
  assert.match(minted, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the minted token is on stdout, its purpose');
  secrets.addToken('emulator-minted token', minted);
  record('emulator CLI: stderr (log lines, notice, listening, closed)', result.stderr);
  exercised.emulator.push('CLI run: callers from flag and file, minted token, mis-signed request, SIGTERM');

  for (const [label, args] of [
    ['--caller without a key id', ['--caller', `:${CALLER.secretAccessKey}`]],
    ['--caller with an empty session token', ['--caller', `AKIDX:${CALLER.secretAccessKey}:`]],
    ['unknown flag with a secret', [`--secret=${CALLER.secretAccessKey}`]],
  ]) {
    const bad = await run(['emulator', ...args]).done;
    assert.equal(bad.code, 2, label);
    record(`emulator CLI ${label}: stderr`, bad.stderr);
    record(`emulator CLI ${label}: stdout`, bad.stdout);
    exercised.emulator.push(`${label} → exit 2`);
  }
});

/**
 * Leaks found and reported, each with its place in the code: searched by a TODO test of their own
 * (reported as TODO until fixed), and left out of the main search only for that output.
 */
const KNOWN_LEAKS = [];
const isKnown = (where, label) => KNOWN_LEAKS.some((k) => k.where.test(where) && k.label.test(label));

/** Every (output, secret) pair found, with the first place and the number of pieces hit, so a
 * known leak does not hide another secret in the same text. */
function search() {
  const leaks = new Map();
  for (const { where, text } of outputs) {
    let from = 0;
    let hit;
    while ((hit = secrets.find(text.slice(from)))) {
      const at = from + hit.at;
      const key = `${where}\0${hit.label}`;
      const leak = leaks.get(key);
      if (leak) leak.pieces += 1;
      else leaks.set(key, { where, label: hit.label, pieces: 1, excerpt: `…${text.slice(Math.max(0, at - 60), at + 40)}…` });
      from = at + 1;
    }
  }
  return [...leaks.values()].map((l) => ({ ...l, excerpt: `${l.where}: ${l.label} (${l.pieces} pieces) ${l.excerpt}` }));
}

test('the search finds a secret however it is written', () => {
  const s = CALLER.sessionToken;
  for (const text of [s, `x${s.slice(7, 19)}y`, JSON.stringify({ s: s.slice(2, 30) }), encodeURIComponent(s), s.replaceAll('/', '\\/')]) {
    assert.ok(secrets.find(text), text.slice(0, 40));
  }
  assert.equal(secrets.find(`${s.slice(0, 11)} ${s.slice(11, 22)}`), undefined, 'pieces shorter than 12 characters are not hits');
});

test('no secret appears in anything recorded', () => {
  // Every secret is known now (pod credentials are learnt as they are issued), so search last.
  const pod = secrets.values.filter((s) => s.label.startsWith('pod ')).length;
  const tokens = secrets.values.filter((s) => s.label.includes('token') && !s.label.includes('session')).length;
  assert.ok(pod >= 4, `pod credentials learnt: ${pod}`);
  assert.ok(outputs.length > 50, `outputs recorded: ${outputs.length}`);
  const leaks = search().filter((l) => !isKnown(l.where, l.label)).map((l) => l.excerpt);
  if (process.env.SECRETS_TEST_DUMP) writeFileSync(process.env.SECRETS_TEST_DUMP, outputs.map((o) => `=== ${o.where}\n${o.text}`).join('\n'));
  const bytes = outputs.reduce((n, o) => n + o.text.length, 0);
  console.log(`# searched ${outputs.length} outputs (${bytes} characters) for ${secrets.values.length} secrets (${tokens} token values, ${pod} pod credentials); `
    + `sidecar ${exercised.sidecar.length} paths, CLI ${exercised.cli.length}, client ${exercised.client.length}, emulator ${exercised.emulator.length}`);
  assert.deepEqual(leaks, [], `secrets found:\n${leaks.join('\n')}`);
});

for (const known of KNOWN_LEAKS) {
  test(`known leak, reported: ${known.place}`, { todo: 'reported to the lead; remove from KNOWN_LEAKS once fixed' }, () => {
    const found = search().filter((l) => isKnown(l.where, l.label)).map((l) => l.excerpt);
    assert.deepEqual(found, []);
  });
}
