// The browser debugging console (www/ + pkg/console-server.js): headless Chromium drives the page
// against the emulator through the console's proxy; the proxy and the static server are also
// checked over raw HTTP. Loopback only.
// Run: node --test tests/js/console.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { buildAssumeRoleRequest, signingStages } from '../../pkg/node.js';
import { startConsoleServer, PROXY_ERROR_HEADER } from '../../pkg/console-server.js';
import { claimWarnings, formatDuration, hintFor } from '../../www/hints.js';

const REGION = 'us-west-2';
const CLUSTER = 'dev-cluster';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/dev-pod-role';
/** The emulator's clock and the page's (`?now=`): whole seconds, so both stamp the same x-amz-date. */
const T = Math.floor(Date.now() / 1000) * 1000;
const TEMP_CALLER = {
  accessKeyId: 'ASIACONSOLETEST',
  secretAccessKey: 'console/temp+SECRET/forTheEmulatorOnly0001',
  sessionToken: 'FwoGZXIvYXdzEXAMPLEconsoleSESSIONtoken0001=',
};
const WRONG_SECRET = 'wrong/secret+KEY/forTheEmulatorOnly000001';
const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });

let emulator;
let server;
let browser;
let page;
let token;
/** Every secret the page has been given or has received; none may reach the console, storage or URL. */
const secrets = new Set([DEFAULT_CALLER.secretAccessKey, TEMP_CALLER.secretAccessKey, TEMP_CALLER.sessionToken, WRONG_SECRET]);
const consoleMessages = [];
const pageErrors = [];

before(async () => {
  assert.ok(existsSync('/usr/bin/chromium'), 'Debian chromium is not installed (apt-get install -y chromium)');
  emulator = await startEmulator({
    region: REGION,
    now: () => T,
    signingKey: SIGNING_KEY,
    callers: [DEFAULT_CALLER, TEMP_CALLER],
    associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'default', roleArn: ROLE_ARN }],
  });
  token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'default', podName: 'dev-pod' });
  secrets.add(token);
  server = await startConsoleServer({
    endpoint: emulator.endpoint, defaults: { region: REGION, clusterName: CLUSTER }, devCredentials: DEFAULT_CALLER,
  });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.slice(0, -1) });
  page = await context.newPage();
  page.setDefaultTimeout(5_000); // everything is on loopback: fail fast rather than wait 30 s
  page.on('console', (message) => consoleMessages.push(message.text()));
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${server.url}?now=${T}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.close();
});

// ---- helpers ---------------------------------------------------------------------------------

/** Sets the form: caller `DEFAULT_CALLER`, the minted token, no offset, then `overrides` by field id. */
async function fill(overrides = {}) {
  const fields = {
    region: REGION, clusterName: CLUSTER, endpoint: emulator.endpoint, token,
    accessKeyId: DEFAULT_CALLER.accessKeyId, secretAccessKey: DEFAULT_CALLER.secretAccessKey, sessionToken: '',
    eksNodeName: '', instanceId: '', zone: '', clockOffset: '0', useFips: false, ...overrides,
  };
  // One round trip: set each control as typing would (an input event per field).
  await page.evaluate((values) => {
    for (const [id, value] of Object.entries(values)) {
      const el = document.getElementById(id);
      if (typeof value === 'boolean') el.checked = value;
      else el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }, fields);
}

const text = (selector) => page.textContent(selector);
const visible = () => page.innerText('body');

/** Clicks Send and waits for the page to show the outcome (the proxy's answer read by the core). */
async function send() {
  const answered = page.waitForResponse((r) => r.url().includes('/proxy/'));
  await page.click('#send');
  const response = await answered;
  await page.waitForFunction(() => !document.getElementById('send').disabled && (
    !document.getElementById('result').hidden || !document.getElementById('error').hidden));
  return response;
}

async function errorShown() {
  await page.waitForSelector('#error:not([hidden])');
  const details = await page.$$eval('#error-details dt', (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  return { ...details, hint: await text('#error-hint') };
}

function raw({ port = server.port, method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false, setHost: !('host' in headers) }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, rawHeaders: response.rawHeaders, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A loopback server that records what reaches it and answers `reply`. */
async function recorder(reply = (req, res) => res.writeHead(200).end()) {
  const seen = [];
  const srv = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    seen.push({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
    reply(req, res);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { seen, port: srv.address().port, url: `http://127.0.0.1:${srv.address().port}`, close: () => { srv.closeAllConnections(); return new Promise((r) => srv.close(r)); } };
}

// ---- the page --------------------------------------------------------------------------------

test('the page loads the wasm and is pre-filled from /defaults.json (dev key only because it was passed)', async () => {
  assert.equal(await page.inputValue('#region'), REGION);
  assert.equal(await page.inputValue('#clusterName'), CLUSTER);
  assert.equal(await page.inputValue('#endpoint'), emulator.endpoint);
  assert.equal(await page.inputValue('#accessKeyId'), DEFAULT_CALLER.accessKeyId);
  assert.equal(await page.inputValue('#secretAccessKey'), DEFAULT_CALLER.secretAccessKey);
  assert.equal(await page.getAttribute('#secretAccessKey', 'type'), 'password');
  assert.equal(await page.getAttribute('#sessionToken', 'type'), 'password');
  assert.equal(await page.getAttribute('#token', 'type'), 'password');
  assert.ok(!(await visible()).includes(DEFAULT_CALLER.secretAccessKey));
  // Every control has a label.
  const unlabeled = await page.$$eval('input', (inputs) => inputs.filter((i) => !i.labels?.length).map((i) => i.id));
  assert.deepEqual(unlabeled, []);
  assert.deepEqual(pageErrors, []);
});

test('Decode shows the token claims, never the token', async () => {
  await fill();
  await page.click('#decode');
  await page.waitForSelector('#claims:not([hidden])');
  const claims = await text('#claims');
  assert.match(claims, new RegExp(emulator.issuer.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  assert.match(claims, /system:serviceaccount:default:default/);
  assert.match(claims, /pods\.eks\.amazonaws\.com/);
  assert.match(claims, /dev-pod/);
  const exp = new Date(T + 86400_000).toISOString().replace('.000Z', 'Z');
  assert.ok(claims.includes(`${exp} (in 1 d)`), claims);
  const [, , signature] = token.split('.');
  const shown = await visible();
  assert.ok(!shown.includes(token) && !shown.includes(signature), 'neither the token nor its signature is shown');
});

test('Build shows the stages signingStages() computes in Node for the same inputs and time', async () => {
  await fill({ eksNodeName: 'ip-10-0-0-1.us-west-2.compute.internal', zone: 'usw2-az1', sessionToken: TEMP_CALLER.sessionToken });
  await page.click('#build');
  await page.waitForSelector('#stages:not([hidden])');
  const input = {
    region: REGION, clusterName: CLUSTER, token, endpoint: emulator.endpoint, now: T,
    credentials: { ...DEFAULT_CALLER, sessionToken: TEMP_CALLER.sessionToken },
    eksNodeName: 'ip-10-0-0-1.us-west-2.compute.internal', zone: 'usw2-az1',
  };
  const stages = signingStages(input);
  const request = buildAssumeRoleRequest(input);
  assert.equal(await text('#canonical-request'), stages.canonicalRequest);
  assert.equal(await text('#string-to-sign'), stages.stringToSign);
  assert.equal(await text('#signature'), stages.signature);
  assert.equal(await text('#resolved-endpoint'), emulator.endpoint);
  assert.equal(await text('#request-line'), `POST ${request.url}`);
  const headers = await text('#request-headers');
  assert.ok(headers.includes(`authorization: ${request.headers.authorization}`), headers);
  assert.ok(headers.includes('x-amz-security-token: <redacted>'), headers);
  assert.ok(headers.includes(`x-amz-date: ${request.headers['x-amz-date']}`));
  assert.equal(await text('#request-body'), request.body.replace(token, '<redacted>'));
  assert.match(await text('#sent-via'), /\/proxy\/clusters\/dev-cluster\/assume-role-for-pod-identity/);
  const shown = await page.content() + await visible();
  assert.ok(!shown.includes(token) && !shown.includes(TEMP_CALLER.sessionToken) && !shown.includes(DEFAULT_CALLER.secretAccessKey));
});

test('Send: 200 through the proxy, the parsed result, received secrets masked until Reveal', async () => {
  await fill();
  const before = emulator.stats.outcomes.ok ?? 0;
  const response = await send();
  const { credentials } = await response.json();
  secrets.add(credentials.secretAccessKey).add(credentials.sessionToken);
  assert.equal(emulator.stats.outcomes.ok, before + 1);
  assert.match(await text('#response-status'), /^200\b/);
  const result = await text('#result-fields');
  assert.ok(result.includes(credentials.accessKeyId));
  assert.match(result, /arn:aws:sts::111122223333:assumed-role\/dev-pod-role\//);
  assert.match(result, /default\/default/);
  assert.match(await text('#fmt-shell'), /export AWS_ACCESS_KEY_ID=/);
  assert.match(await text('#fmt-process'), /"Version": 1/);
  assert.match(await text('#fmt-container'), /"AccountId": "111122223333"/);

  let shown = await visible();
  assert.ok(!shown.includes(credentials.secretAccessKey), 'secret access key masked before Reveal');
  assert.ok(!shown.includes(credentials.sessionToken), 'session token masked before Reveal');
  assert.ok(!(await page.content()).includes(credentials.secretAccessKey), 'nor in the DOM');
  await page.screenshot({ path: '/tmp/console.png', fullPage: true });

  // Copy takes the real text, secrets included (an explicit act), while the page still masks it.
  await page.click('button[data-copy="shell"]');
  await page.waitForFunction(() => document.getElementById('copy-status').textContent !== '');
  assert.equal(await text('#copy-status'), 'Copied, secrets included.');
  assert.ok((await page.evaluate(() => navigator.clipboard.readText())).includes(`export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`));
  assert.ok(!(await visible()).includes(credentials.secretAccessKey));

  await page.click('#reveal');
  assert.equal(await page.getAttribute('#reveal', 'aria-pressed'), 'true');
  shown = await visible();
  assert.ok(shown.includes(credentials.secretAccessKey), 'revealed');
  assert.ok(shown.includes(credentials.sessionToken), 'revealed');
  assert.ok((await text('#fmt-shell')).includes(`export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`));
  assert.ok(!shown.includes(DEFAULT_CALLER.secretAccessKey) && !shown.includes(token), 'the caller\'s secret and the token stay hidden');
  await page.click('#reveal');
  assert.ok(!(await visible()).includes(credentials.secretAccessKey), 'hidden again');
});

test('an invalid cluster name marks the clusterName field with InvalidInput and sends nothing', async () => {
  await fill({ clusterName: 'bad name!' });
  const received = emulator.stats.received;
  await page.click('#send');
  const error = await errorShown();
  assert.equal(error.Code, 'InvalidInput');
  assert.equal(error.Field, 'clusterName');
  assert.match(error.Message, /clusterName/);
  assert.equal(await page.getAttribute('#clusterName', 'aria-invalid'), 'true');
  assert.equal(await page.$$eval('[aria-invalid="true"]', (els) => els.map((e) => e.id).join()), 'clusterName');
  assert.equal(emulator.stats.received, received, 'nothing sent');
  // Typing in the field clears the mark.
  await page.fill('#clusterName', CLUSTER);
  assert.equal(await page.getAttribute('#clusterName', 'aria-invalid'), null);
});

test('an endpoint other than the proxy\'s: built, but Send refuses and explains; FIPS with a custom endpoint marks both', async () => {
  await fill({ endpoint: '' });
  const received = emulator.stats.received;
  await page.click('#send');
  let error = await errorShown();
  assert.equal(error.Code, 'InvalidConfiguration');
  assert.match(error.Message, /forwards only to http:\/\/127\.0\.0\.1:\d+, and the request is for https:\/\/eks-auth\.us-west-2\.api\.aws/);
  assert.match(error.hint, /no CORS/);
  assert.equal(await page.getAttribute('#endpoint', 'aria-invalid'), 'true');
  assert.equal(await text('#resolved-endpoint'), 'https://eks-auth.us-west-2.api.aws');
  assert.equal(emulator.stats.received, received);
  await fill({ useFips: true });
  await page.click('#build');
  error = await errorShown();
  assert.equal(error.Code, 'InvalidConfiguration');
  assert.match(error.hint, /FIPS cannot be combined/);
  assert.deepEqual(await page.$$eval('[aria-invalid="true"]', (els) => els.map((e) => e.id)), ['endpoint', 'useFips']);
});

test('a throttling fault shows ThrottlingException, retryable', async () => {
  await fill();
  emulator.setFaults({ throttle: 1 });
  try {
    await send();
  } finally {
    emulator.setFaults({ throttle: 0 });
  }
  const error = await errorShown();
  assert.equal(error.Code, 'ThrottlingException');
  assert.equal(error['HTTP status'], '429');
  assert.equal(error.Retryable, 'true');
  assert.equal(error.Irrecoverable, 'false');
  assert.equal(error.Fault, 'client'); // 429: a client fault, as the model and botocore have it
  assert.ok(error['Request ID']);
  assert.match(error.hint, /retry/);
});

test('a wrong secret shows InvalidSignatureException with the session token redacted', async () => {
  await fill({ accessKeyId: TEMP_CALLER.accessKeyId, secretAccessKey: WRONG_SECRET, sessionToken: TEMP_CALLER.sessionToken });
  const response = await send();
  assert.ok((await response.text()).includes(TEMP_CALLER.sessionToken), 'the emulator echoes the session token');
  const error = await errorShown();
  assert.equal(error.Code, 'InvalidSignatureException');
  assert.equal(error['HTTP status'], '403');
  assert.equal(error.Retryable, 'false');
  assert.match(error.Message, /x-amz-security-token:<redacted>/);
  assert.match(error.hint, /does not match/);
  assert.match(await text('#response-body'), /x-amz-security-token:<redacted>/);
  const shown = await page.content() + await visible();
  assert.ok(!shown.includes(TEMP_CALLER.sessionToken), 'the session token is shown nowhere');
  assert.ok(!shown.includes(WRONG_SECRET));
});

test('a clock offset of +10 min shows the skew hint with the core\'s offset; applying it fixes the call', async () => {
  await fill({ clockOffset: '600' });
  await send();
  const error = await errorShown();
  assert.equal(error.Code, 'InvalidSignatureException');
  assert.match(error.Message, /^Signature expired/);
  assert.match(error.hint, /Clock skew/);
  assert.match(error.hint, /10 min ahead/);
  assert.match(error.hint, /Set the clock offset to 0 s/);
  await page.click('#apply-offset');
  assert.equal(await page.inputValue('#clockOffset'), '0');
  await send();
  assert.match(await text('#response-status'), /^200\b/);
});

test('hints for the service\'s refusals', async () => {
  const cases = [
    { fill: { clusterName: 'other-cluster' }, code: 'ResourceNotFoundException', hint: /No cluster named 'other-cluster' in region us-west-2/ },
    { fill: { accessKeyId: 'AKIAUNKNOWNCALLER' }, code: 'UnrecognizedClientException', hint: /AKIAUNKNOWNCALLER/ },
    { token: { namespace: 'default', serviceAccount: 'no-association' }, code: 'AccessDeniedException', hint: /association for service account default\/no-association/ },
    { token: { namespace: 'default', serviceAccount: 'default', now: T - 2 * 86400_000 }, code: 'ExpiredTokenException', hint: /expired at .*\(1 d later\)/ },
    { token: { namespace: 'default', serviceAccount: 'default', audience: 'sts.amazonaws.com' }, code: 'InvalidTokenException', hint: /this token's: sts\.amazonaws\.com/ },
  ];
  for (const c of cases) {
    const t = c.token ? await emulator.mintToken(c.token) : token;
    secrets.add(t);
    await fill({ ...c.fill, token: t });
    await send();
    const error = await errorShown();
    assert.equal(error.Code, c.code);
    assert.match(error.hint, c.hint, c.code);
  }
});

test('nothing secret in the console log, storage, cookies or the URL', async () => {
  const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, url: location.href }));
  for (const secret of secrets) {
    assert.ok(!stored.includes(secret), 'storage, cookies, URL');
    for (const message of consoleMessages) assert.ok(!message.includes(secret), `console: ${message.slice(0, 80)}`);
  }
  assert.equal(JSON.parse(stored).local && Object.keys(JSON.parse(stored).local).length, 0);
  assert.ok(page.url().endsWith(`/www/?now=${T}`), page.url());
  assert.deepEqual(pageErrors, []);
});

// ---- the server ------------------------------------------------------------------------------

test('static files: the .wasm as application/wasm, the page with a strict CSP, nothing outside www/ and pkg/', async () => {
  const wasm = await raw({ path: '/pkg/wasm/eks_auth_wasm_bg.wasm' });
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.deepEqual([...wasm.body.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
  const root = await raw({ path: '/?now=1' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/www/?now=1');
  const html = await raw({ path: '/www/' });
  assert.match(html.headers['content-type'], /^text\/html/);
  assert.match(html.headers['content-security-policy'], /connect-src 'self'/);
  assert.match((await raw({ path: '/pkg/web.js' })).headers['content-type'], /^text\/javascript/);
  assert.match((await raw({ path: '/www/console.css' })).headers['content-type'], /^text\/css/);
  for (const path of ['/package.json', '/pkg/../package.json', '/www/../Cargo.toml', '/pkg/%2e%2e/package.json', '/src/lib.rs', '/pkg/emulator/server.js', '/node_modules/jose/package.json']) {
    assert.equal((await raw({ path })).status, 404, path);
  }
  assert.equal((await raw({ method: 'POST', path: '/www/' })).status, 405);
});

test('the proxy forwards the signed request byte for byte to the endpoint and its answer back', async () => {
  const upstream = await recorder((req, res) => {
    res.writeHead(418, 'Teapot', { 'x-amzn-RequestId': 'req-1', 'X-Amzn-ErrorType': 'Custom', Date: 'Mon, 01 Jan 2024 00:00:00 GMT', 'content-type': 'application/json' });
    res.end('{"message":"short and stout"}');
  });
  const records = [];
  const proxy = await startConsoleServer({ endpoint: `${upstream.url}/base/`, log: (record) => records.push(record) });
  try {
    const request = buildAssumeRoleRequest({ endpoint: `${upstream.url}/base`, region: REGION, clusterName: CLUSTER, token, credentials: TEMP_CALLER, now: T });
    const path = `/proxy${request.url.slice(`${upstream.url}/base`.length)}`;
    const answer = await raw({
      port: proxy.port, method: 'POST', path, body: request.body,
      headers: { ...request.headers, cookie: 'session=1', origin: proxy.url.slice(0, -1), referer: proxy.url, 'user-agent': 'test' },
    });
    const [seen] = upstream.seen;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, `/base/clusters/${CLUSTER}/assume-role-for-pod-identity`);
    assert.equal(seen.body.toString(), request.body);
    assert.equal(seen.headers.host, `127.0.0.1:${upstream.port}`);
    for (const [name, value] of Object.entries(request.headers)) assert.equal(seen.headers[name], value, name);
    for (const name of ['cookie', 'origin', 'referer', 'user-agent']) assert.equal(seen.headers[name], undefined, `${name} not forwarded`);
    assert.equal(answer.status, 418);
    assert.equal(answer.headers['x-amzn-requestid'], 'req-1');
    assert.equal(answer.headers['x-amzn-errortype'], 'Custom');
    assert.equal(answer.headers.date, 'Mon, 01 Jan 2024 00:00:00 GMT', 'the endpoint\'s Date, not the proxy\'s');
    assert.equal(answer.body.toString(), '{"message":"short and stout"}');
    // The log: method, path, status, duration; no header, no body.
    assert.equal(records.length, 1);
    assert.deepEqual(Object.keys(records[0]).sort(), ['durationMs', 'method', 'path', 'status', 'time']);
    assert.equal(records[0].path, path);
    const logged = JSON.stringify(records);
    for (const secret of [token, TEMP_CALLER.sessionToken, request.headers.authorization.slice(-64)]) assert.ok(!logged.includes(secret));
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test('the proxy refuses foreign Host headers and cross-site origins, and never forwards elsewhere', async () => {
  const canary = await recorder();
  const before = emulator.stats.received;
  try {
    const path = `/proxy/clusters/${CLUSTER}/assume-role-for-pod-identity`;
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `127.0.0.1.nip.io:${server.port}`, '']) {
      assert.equal((await raw({ method: 'POST', path, headers: { host } })).status, 403, `Host: ${host}`);
      assert.equal((await raw({ path: '/www/', headers: { host } })).status, 403, `Host: ${host} (static)`);
    }
    assert.equal((await raw({ path: '/www/', headers: { host: `localhost:${server.port}` } })).status, 200);
    assert.equal((await raw({ method: 'POST', path, headers: { origin: 'http://evil.example' } })).status, 403);
    assert.equal((await raw({ method: 'POST', path, headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
    assert.equal((await raw({ method: 'GET', path })).status, 405);
    for (const target of [
      `/proxy/http://127.0.0.1:${canary.port}/clusters/x/assume-role-for-pod-identity`,
      `/proxy//127.0.0.1:${canary.port}/clusters/x/assume-role-for-pod-identity`,
      `/proxy@127.0.0.1:${canary.port}/clusters/x/assume-role-for-pod-identity`,
      `/proxy:${canary.port}/clusters/x/assume-role-for-pod-identity`,
      `http://127.0.0.1:${canary.port}/clusters/x/assume-role-for-pod-identity`,
    ]) {
      const answer = await raw({ method: 'POST', path: target, headers: { host: `127.0.0.1:${server.port}` } });
      assert.ok([400, 404, 405].includes(answer.status), `${target}: ${answer.status}`);
    }
    assert.deepEqual(canary.seen, [], 'nothing reached another server');
    assert.equal(emulator.stats.received, before, 'nor the endpoint');
  } finally {
    await canary.close();
  }
});

test('an unreachable or silent endpoint is answered by the proxy, marked as such', async () => {
  const gone = await recorder();
  await gone.close();
  const unreachable = await startConsoleServer({ endpoint: gone.url });
  const silent = await recorder((req, res) => { /* never answers */ });
  const slow = await startConsoleServer({ endpoint: silent.url, upstreamTimeoutMs: 100 });
  try {
    const path = '/proxy/clusters/c/assume-role-for-pod-identity';
    const a = await raw({ port: unreachable.port, method: 'POST', path, body: '{}' });
    assert.equal(a.status, 502);
    assert.equal(a.headers[PROXY_ERROR_HEADER], 'NetworkError');
    const b = await raw({ port: slow.port, method: 'POST', path, body: '{}' });
    assert.equal(b.status, 504);
    assert.equal(b.headers[PROXY_ERROR_HEADER], 'TimeoutError');
  } finally {
    await unreachable.close();
    await slow.close();
    await silent.close();
  }
});

test('startConsoleServer: loopback only, non-secret defaults only, dev credentials only when passed and local', async () => {
  const plain = await startConsoleServer({ endpoint: emulator.endpoint, defaults: { region: REGION, clusterName: CLUSTER } });
  try {
    assert.match(plain.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const defaults = JSON.parse((await raw({ port: plain.port, path: '/defaults.json' })).body);
    assert.deepEqual(defaults, { region: REGION, clusterName: CLUSTER, endpoint: emulator.endpoint, proxy: { path: '/proxy', target: emulator.endpoint } });
  } finally {
    await plain.close();
  }
  const withDev = JSON.parse((await raw({ path: '/defaults.json' })).body);
  assert.deepEqual(withDev.devCredentials, { ...DEFAULT_CALLER });
  await assert.rejects(startConsoleServer({ endpoint: emulator.endpoint, host: '0.0.0.0' }), /loopback only/);
  await assert.rejects(startConsoleServer({ endpoint: emulator.endpoint, defaults: { token } }), /non-secret/);
  await assert.rejects(startConsoleServer({ endpoint: 'https://eks-auth.us-west-2.api.aws', devCredentials: DEFAULT_CALLER }), /loopback/);
  await assert.rejects(startConsoleServer({ endpoint: 'http://10.0.0.1:8080' }), (e) => e.code === 'InvalidInput' && e.field === 'endpoint');
  const regional = await startConsoleServer({ defaults: { region: 'eu-west-1' } });
  assert.equal(regional.endpoint, 'https://eks-auth.eu-west-1.api.aws');
  await regional.close();
});

test('hints: pure functions', () => {
  assert.equal(formatDuration(600_000), '10 min');
  assert.equal(formatDuration(-3_723_000), '1 h 2 min 3 s');
  assert.equal(formatDuration(0), '0 s');
  const skew = hintFor({ code: 'InvalidSignatureException', message: 'Signature expired: ...' }, { nowMs: T, skewMs: -600_000, clockOffsetSeconds: 600 });
  assert.equal(skew.suggestedOffsetSeconds, 0);
  assert.match(skew.text, /10 min ahead/);
  assert.match(hintFor({ code: 'InvalidSignatureException', message: 'Signature expired' }, { nowMs: T, skewMs: 120_000 }).text, /2 min behind/);
  assert.match(hintFor({ code: 'ExpiredTokenException', status: 403 }, { nowMs: T }).text, /caller's own credentials/);
  assert.match(hintFor({ code: '502' }, { nowMs: T }).text, /in between/);
  assert.equal(hintFor({ code: 'SomethingNew' }, { nowMs: T }), undefined);
  assert.deepEqual(claimWarnings({ audience: ['pods.eks.amazonaws.com'], expiresAt: T / 1000 + 60, issuer: 'https://oidc.eks.us-west-2.amazonaws.com/id/X' }, { nowMs: T, region: REGION }), []);
  const warnings = claimWarnings({ audience: ['sts.amazonaws.com'], expiresAt: T / 1000 - 60, issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/X' }, { nowMs: T, region: REGION });
  assert.equal(warnings.length, 3);
});
