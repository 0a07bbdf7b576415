// The browser debugging console (www/ + pkg/console-server.js): Debian's Chromium, driven by
// playwright-core, uses the page as a person would — through the stable hooks (input ids,
// data-testid outputs, data-check, data-diff) — against the emulator through the console's proxy.
// The proxy, the static server and `eks-auth console` are also checked over raw HTTP. Loopback only.
// A screenshot of the page after a successful exchange is written to test-artifacts/console.png.
// Run: node --test tests/js/console.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { DEFAULT_ERROR_MESSAGES, MODELED_ERRORS } from '../../pkg/emulator/errors.js';
import { buildAssumeRoleRequest } from 'eks-auth-wasm';
import { startConsoleServer, PROXY_ERROR_HEADER } from '../../pkg/console-server.js';
import { curlCommand, durationParts, formatDuration, parseHeaderLines, relative } from '../../www/format.js';
import { explainError } from '../../www/explain.js';
import { diffCanonicalRequests, extractCanonicalRequest } from '../../www/diff.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const REGION = 'us-west-2';
const CLUSTER = 'dev-cluster';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/dev-pod-role';
/** The emulator's clock and the page's time field: whole seconds, so both stamp the same x-amz-date. */
const T = Math.floor(Date.now() / 1000) * 1000;
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const TEMP_CALLER = {
  accessKeyId: 'ASIACONSOLETEST',
  secretAccessKey: 'console/temp+SECRET/forTheEmulatorOnly0001',
  sessionToken: 'FwoGZXIvYXdzEXAMPLEconsoleSESSIONtoken0001=',
};
const WRONG_SECRET = 'wrong/secret+KEY/forTheEmulatorOnly000001';
const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const vectors = (file) => JSON.parse(readFileSync(new URL(`../data/eks-auth/${file}`, import.meta.url), 'utf8'));

/** The stable hooks issue 5 promises users' automation. */
const INPUT_IDS = ['region', 'cluster-name', 'token', 'token-file', 'access-key-id', 'secret-access-key', 'session-token', 'time',
  'use-fips', 'endpoint', 'response-status', 'response-headers', 'response-body', 'expected-canonical-request'];
const OUTPUT_TESTIDS = ['token-claims', 'token-checks', 'endpoint-url', 'headers', 'body', 'canonical-request', 'string-to-sign',
  'signature', 'authorization', 'curl', 'response-result', 'signature-diff'];

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
  // A missing browser fails the suite: the console is only tested in a real one.
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
  page.on('console', (message) => consoleMessages.push({ type: message.type(), text: message.text(), url: message.location().url ?? '' }));
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.close();
});

// ---- helpers ---------------------------------------------------------------------------------

/** Sets inputs by id as typing would (one input event each); booleans set checkboxes. */
async function fill(values) {
  await page.evaluate((entries) => {
    for (const [id, value] of entries) {
      const el = document.getElementById(id);
      if (typeof value === 'boolean') el.checked = value;
      else el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }, Object.entries(values));
}

/** The request the emulator accepts: caller DEFAULT_CALLER, the minted token, signed at T; then `overrides`. */
const fillRequest = (overrides = {}) => fill({
  region: REGION, 'cluster-name': CLUSTER, endpoint: emulator.endpoint, 'use-fips': false, token,
  'access-key-id': DEFAULT_CALLER.accessKeyId, 'secret-access-key': DEFAULT_CALLER.secretAccessKey, 'session-token': '',
  'eks-node-name': '', 'instance-id': '', zone: '', time: iso(T), ...overrides,
});

const out = (testid) => page.textContent(`[data-testid="${testid}"]`);
const visible = () => page.innerText('body');

async function tokenChecks() {
  return page.$$eval('[data-testid="token-checks"] [data-check]', (els) => Object.fromEntries(els.map((e) => [e.dataset.check, e.dataset.status])));
}

/** The Response result: outcome, error code, and the text. */
async function responseResult() {
  return page.$eval('[data-testid="response-result"]', (el) => ({ outcome: el.dataset.outcome, code: el.dataset.errorCode, text: el.innerText }));
}

/** Clicks Send and waits until the answer is read. */
async function send() {
  const answered = page.waitForResponse((r) => r.url().includes('/proxy/'));
  await page.click('#send');
  const response = await answered;
  await page.waitForFunction(() => document.getElementById('send-status').textContent.startsWith('Sent'));
  return response;
}

async function pasteResponse({ status, headers = [], body = '' }) {
  await fill({
    'response-status': String(status),
    'response-headers': headers.map(([n, v]) => `${n}: ${v}`).join('\n'),
    'response-body': body,
  });
  return responseResult();
}

const errorResponse = (code, status, message) => ({
  status,
  headers: [['Content-Type', 'application/json'], ['x-amzn-RequestId', `req-${code}`], ['x-amzn-ErrorType', code]],
  body: JSON.stringify({ message }),
});

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

test('the page: every stable hook, every input labelled, pre-filled from /defaults.json, secrets in password fields', async () => {
  for (const id of INPUT_IDS) assert.equal(await page.$$eval(`#${id}`, (els) => els.length), 1, `input #${id}`);
  for (const id of ['send', 'reveal']) assert.equal(await page.$eval(`#${id}`, (el) => el.tagName), 'BUTTON', `button #${id}`);
  for (const testid of OUTPUT_TESTIDS) assert.equal(await page.$$eval(`[data-testid="${testid}"]`, (els) => els.length), 1, testid);
  const unlabelled = await page.$$eval('input, textarea, select', (els) => els.filter((e) => !e.labels?.length).map((e) => e.id));
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.inputValue('#region'), REGION);
  assert.equal(await page.inputValue('#cluster-name'), CLUSTER);
  assert.equal(await page.inputValue('#endpoint'), emulator.endpoint);
  assert.equal(await page.inputValue('#access-key-id'), DEFAULT_CALLER.accessKeyId);
  for (const id of ['token', 'secret-access-key', 'session-token']) assert.equal(await page.getAttribute(`#${id}`, 'type'), 'password', id);
  assert.ok(!(await visible()).includes(DEFAULT_CALLER.secretAccessKey));
  // No token yet is where everyone starts: said plainly, no field marked.
  assert.equal(await page.textContent('#request-error'), 'No token yet: paste one under Token to build the request.');
  assert.equal(await page.getAttribute('#token', 'aria-invalid'), null);
  assert.deepEqual(pageErrors, []);
});

test('a botocore vector entered gives its exact Authorization, URL, canonical request and string to sign', async () => {
  const all = [...vectors('request-vectors.json').vectors, ...vectors('extra-request-vectors.json').vectors];
  assert.ok(all.length >= 17);
  for (const { id, input, expected } of all) {
    await fill({
      region: input.region, 'cluster-name': input.clusterName, token: input.token, endpoint: input.endpoint ?? '', 'use-fips': input.useFips === true,
      'access-key-id': input.accessKeyId, 'secret-access-key': input.secretAccessKey, 'session-token': input.sessionToken ?? '',
      'eks-node-name': input.eksNodeName ?? '', 'instance-id': input.instanceId ?? '', zone: input.zone ?? '', time: input.time.iso8601,
    });
    assert.equal(await out('authorization'), expected.authorization, id);
    assert.equal(await out('endpoint-url'), expected.url, id);
    assert.equal(await out('string-to-sign'), expected.stringToSign, id);
    assert.equal(await out('signature'), expected.signature, id);
    if (expected.canonicalRequest) {
      assert.equal(await out('canonical-request'), expected.canonicalRequest.replace(/^(x-amz-security-token:).*$/m, '$1<redacted>'), id);
    }
    assert.ok((await out('headers')).includes(`authorization: ${expected.authorization}`), id);
    assert.ok((await out('curl')).includes(`-H 'authorization: ${expected.authorization}'`), id);
    assert.ok((await out('curl')).startsWith(`curl -sS -X POST '${expected.url}'`), id);
    assert.equal(await page.$eval('#request-error', (el) => el.hidden), true, id);
    if (input.token.length >= 8) {
      assert.ok(!(await visible()).includes(input.token), `${id}: the token is masked`);
      assert.equal(await out('body'), expected.body.replace(input.token, '<redacted>'), id);
    }
  }
});

test('outputs follow the inputs as they are typed; nothing is sent until Send', async () => {
  await fillRequest();
  const received = emulator.stats.received;
  await page.fill('#cluster-name', '');
  await page.focus('#cluster-name');
  await page.keyboard.type('typed-name');
  assert.equal(await out('endpoint-url'), `${emulator.endpoint}/clusters/typed-name/assume-role-for-pod-identity`);
  assert.match(await out('canonical-request'), /^POST\n\/clusters\/typed-name\/assume-role-for-pod-identity\n/);
  // An invalid value: not built, the field marked, the reason shown; Send refuses.
  await page.keyboard.type('!');
  assert.equal(await page.getAttribute('#cluster-name', 'aria-invalid'), 'true');
  assert.match(await page.textContent('#request-error'), /clusterName/);
  assert.equal(await out('authorization'), '');
  await page.click('#send');
  assert.match(await page.textContent('#send-status'), /^Not sent: .*clusterName/);
  await page.keyboard.press('Backspace');
  assert.equal(await page.getAttribute('#cluster-name', 'aria-invalid'), null);
  // FIPS with a custom endpoint marks both.
  await fill({ 'use-fips': true });
  assert.deepEqual(await page.$$eval('[aria-invalid="true"]', (els) => els.map((e) => e.id)), ['use-fips', 'endpoint']);
  assert.match(await page.textContent('#request-error'), /FIPS and custom endpoint/);
  // A request for another endpoint than the proxy's is built but not sent.
  await fill({ 'use-fips': false, endpoint: '' });
  assert.equal(await out('endpoint-url'), `https://eks-auth.${REGION}.api.aws/clusters/typed-name/assume-role-for-pod-identity`);
  await page.click('#send');
  assert.match(await page.textContent('#send-status'), /can send only to http:\/\/127\.0\.0\.1:\d+, and the request is for https:\/\/eks-auth\.us-west-2\.api\.aws/);
  assert.equal(emulator.stats.received, received, 'nothing reached the endpoint');
});

test('a minted token shows its claims and passes every check; expired or not yet valid by the time field, it fails', async () => {
  await fillRequest();
  assert.deepEqual(await tokenChecks(), {
    'three-segments': 'pass', audience: 'pass', 'not-expired': 'pass', 'not-before': 'pass', subject: 'pass', 'pod-binding': 'pass',
  });
  const claims = await out('token-claims');
  for (const text of [emulator.issuer, 'system:serviceaccount:default:default', 'pods.eks.amazonaws.com', 'dev-pod', `ip-10-0-0-1.${REGION}.compute.internal`, `${iso(T + 86400_000)}`, 'expires in 1 day']) {
    assert.ok(claims.includes(text), `${text} in ${claims}`);
  }
  // The token itself and its signature are shown nowhere.
  const [, , signature] = token.split('.');
  assert.ok(!(await visible()).includes(signature) && !(await page.content()).includes(token));

  // The same token, two days later by the clock used: expired; the other checks still pass.
  await fill({ time: iso(T + 2 * 86400_000) });
  let checks = await tokenChecks();
  assert.equal(checks['not-expired'], 'fail');
  assert.equal(Object.values(checks).filter((s) => s === 'fail').length, 1);
  assert.match(await page.textContent('[data-check="not-expired"]'), new RegExp(`expired 1 day ago \\(exp ${iso(T + 86400_000)}\\)`));
  assert.match(await out('token-claims'), /expired 1 day ago/);
  // Before it was issued: not valid yet.
  await fill({ time: iso(T - 600_000) });
  assert.equal((await tokenChecks())['not-before'], 'fail');
  assert.match(await page.textContent('[data-check="not-before"]'), /not valid for another 10 minutes/);

  // Minted expired (issued two days ago), and minted for another audience.
  const expired = await emulator.mintToken({ namespace: 'default', serviceAccount: 'default', now: T - 2 * 86400_000 });
  const sts = await emulator.mintToken({ namespace: 'default', serviceAccount: 'default', audience: 'sts.amazonaws.com' });
  secrets.add(expired).add(sts);
  await fill({ time: iso(T), token: expired });
  assert.equal((await tokenChecks())['not-expired'], 'fail');
  await fill({ token: sts });
  checks = await tokenChecks();
  assert.equal(checks.audience, 'fail');
  assert.equal(checks['not-expired'], 'pass');
  // Not a token at all.
  await fill({ token: 'not-a-token' });
  assert.equal((await tokenChecks())['three-segments'], 'fail');

  // Loaded from its file instead.
  await page.setInputFiles('#token-file', { name: 'eks-pod-identity-token', mimeType: 'text/plain', buffer: Buffer.from(`${token}\n`) });
  await page.waitForFunction(() => document.querySelectorAll('[data-check][data-status="pass"]').length === 6);
  assert.equal(await page.inputValue('#token'), token);
});

test('Send: 200 through the proxy, the credentials with expiry in UTC and local time, secrets masked until Reveal', async () => {
  await fillRequest();
  const before = emulator.stats.outcomes.ok ?? 0;
  const response = await send();
  const body = await response.json();
  const { credentials } = body;
  secrets.add(credentials.secretAccessKey).add(credentials.sessionToken);
  assert.equal(emulator.stats.outcomes.ok, before + 1);
  assert.equal(await page.inputValue('#response-status'), '200');
  const result = await responseResult();
  assert.equal(result.outcome, 'credentials');
  assert.ok(result.text.includes(credentials.accessKeyId));
  assert.match(result.text, /arn:aws:sts::111122223333:assumed-role\/dev-pod-role\//);
  const expiration = credentials.expiration * 1000;
  assert.equal(await page.textContent('[data-expiration="utc"]'), iso(expiration));
  const local = await page.evaluate((ms) => new Date(ms).toLocaleString(undefined, { timeZoneName: 'short' }), expiration);
  assert.equal(await page.textContent('[data-expiration="local"]'), local);
  assert.equal(await page.textContent('[data-expiration="relative"]'), 'in 6 hours, by the clock used');
  assert.match(result.text, /"AccountId": "111122223333"/);
  assert.match(result.text, /export AWS_ACCESS_KEY_ID=/);

  // Masked everywhere — the result, the Response fields, the DOM — until revealed.
  const hidden = async () => [await visible(), await page.content(), await page.inputValue('#response-body'), await page.inputValue('#response-headers')].join('\n');
  let shown = await hidden();
  for (const secret of [credentials.secretAccessKey, credentials.sessionToken, token, DEFAULT_CALLER.secretAccessKey]) {
    assert.ok(!shown.includes(secret), 'masked before Reveal');
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const screenshot = new URL('console.png', ARTIFACTS);
  await page.screenshot({ path: fileURLToPath(screenshot), fullPage: true });
  assert.ok(statSync(screenshot).size > 10_000, 'screenshot written');

  // Copy takes the real text (an explicit act) while the page still masks it.
  await page.click('button[data-copy][aria-label^="Copy Shell exports"]');
  await page.waitForFunction(() => document.getElementById('copy-status').textContent !== '');
  assert.equal(await page.textContent('#copy-status'), 'Copied, secrets included.');
  assert.ok((await page.evaluate(() => navigator.clipboard.readText())).includes(`export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`));

  await page.click('#reveal');
  assert.equal(await page.getAttribute('#reveal', 'aria-pressed'), 'true');
  assert.equal(await page.getAttribute('#token', 'type'), 'text');
  shown = await visible();
  assert.ok(shown.includes(credentials.secretAccessKey) && shown.includes(credentials.sessionToken), 'revealed');
  assert.ok((await page.inputValue('#response-body')).includes(credentials.secretAccessKey));
  assert.ok((await out('body')).includes(token), 'the request body with the token');
  assert.ok((await out('curl')).includes(token));
  await page.click('#reveal');
  assert.equal(await page.getAttribute('#token', 'type'), 'password');
  shown = await hidden();
  assert.ok(!shown.includes(credentials.secretAccessKey) && !shown.includes(token), 'hidden again');
});

test('each error response is explained: every modeled error, the front end\'s, the shared response vectors', async () => {
  await fillRequest();
  const expired = await emulator.mintToken({ namespace: 'default', serviceAccount: 'default', now: T - 2 * 86400_000 });
  secrets.add(expired);
  const expectations = {
    AccessDeniedException: /node role \(arn:aws:sts::111122223333:assumed-role\/node-role\/i-0abc\) lacks eks-auth:AssumeRoleForPodIdentity/,
    ExpiredTokenException: /The token expired 1 day ago \(its exp is /,
    InvalidParameterException: /cluster name must be 1–100/,
    InvalidRequestException: /request as a whole/,
    InvalidTokenException: /refused the service-account token itself/,
    ResourceNotFoundException: /No cluster 'dev-cluster' in region us-west-2/,
    ThrottlingException: /limiting the rate of requests \(retryable\)/,
    InternalServerException: /fault inside EKS Auth \(retryable\)/,
    ServiceUnavailableException: /temporarily unavailable \(retryable\)/,
  };
  assert.deepEqual(Object.keys(expectations).sort(), Object.keys(MODELED_ERRORS).sort(), 'one expectation per modeled error');
  for (const [code, status] of Object.entries(MODELED_ERRORS)) {
    await fill({ token: code === 'ExpiredTokenException' ? expired : token });
    const message = code === 'AccessDeniedException'
      ? 'User: arn:aws:sts::111122223333:assumed-role/node-role/i-0abc is not authorized to perform: eks-auth:AssumeRoleForPodIdentity on resource: arn:aws:eks:us-west-2:111122223333:cluster/dev-cluster'
      : DEFAULT_ERROR_MESSAGES[code];
    const result = await pasteResponse(errorResponse(code, status, message));
    assert.equal(result.outcome, 'error', code);
    assert.equal(result.code, code);
    assert.match(result.text, expectations[code], code);
    assert.ok(!/not an error EKS Auth models/.test(result.text), code);
    assert.match(result.text, new RegExp(`HTTP ${status}`), code);
    assert.match(result.text, new RegExp(`req-${code}`), code);
  }
  await fill({ token });

  // The AWS front end's answers (403), and an answer from something in between.
  const frontEnd = [
    [errorResponse('UnrecognizedClientException', 403, 'The security token included in the request is invalid.'), /AWS does not know the caller's access key ID/],
    [errorResponse('MissingAuthenticationTokenException', 403, 'Missing Authentication Token'), /reached AWS unsigned/],
    [errorResponse('ExpiredTokenException', 403, 'The security token included in the request is expired'), /caller's own credentials/],
    [errorResponse('InvalidSignatureException', 403, 'The request signature we calculated does not match the signature you provided.'), /does not belong to access key ID AKIAEMULATOREXAMPLE/],
    [{ status: 502, headers: [['Content-Type', 'text/html']], body: '<html>502 Bad Gateway</html>' }, /HTTP 502, with no AWS error type[\s\S]*Something in between/],
  ];
  for (const [response, expected] of frontEnd) {
    const result = await pasteResponse(response);
    assert.match(result.text, expected, result.code);
  }

  // The shared response vectors (botocore's reading): the same code, an explanation, or the credentials.
  for (const vector of vectors('response-vectors.json').vectors) {
    const result = await pasteResponse(vector.response);
    if (vector.botocore.result === 'success') {
      assert.equal(result.outcome, 'credentials', vector.id);
      assert.equal(await page.textContent('[data-expiration="utc"]'), vector.botocore.parsed.credentials.expiration.iso8601Utc.replace('.000Z', 'Z'), vector.id);
    } else {
      assert.equal(result.code, vector.botocore.errorCode, vector.id);
      assert.match(result.text, /What it means[\s\S]*What to do/, vector.id);
    }
  }
  assert.deepEqual(pageErrors, []);
});

test('errors from the emulator, sent from the page: explained with the inputs and the token', async () => {
  const noAssociation = await emulator.mintToken({ namespace: 'default', serviceAccount: 'no-association' });
  const expired = await emulator.mintToken({ namespace: 'default', serviceAccount: 'default', now: T - 2 * 86400_000 });
  secrets.add(noAssociation).add(expired);
  const cases = [
    [{ 'cluster-name': 'other-cluster' }, 'ResourceNotFoundException', /No cluster 'other-cluster' in region us-west-2/],
    [{ 'access-key-id': 'AKIAUNKNOWNCALLER' }, 'UnrecognizedClientException', /AKIAUNKNOWNCALLER/],
    [{ token: noAssociation }, 'AccessDeniedException', /service account default\/no-association has an EKS Pod Identity association in cluster 'dev-cluster'/],
    [{ token: expired }, 'ExpiredTokenException', /The token expired 1 day ago/],
  ];
  for (const [overrides, code, expected] of cases) {
    await fillRequest(overrides);
    await send();
    const result = await responseResult();
    assert.equal(result.code, code);
    assert.match(result.text, expected, code);
  }
  await fillRequest();
  emulator.setFaults({ throttle: 1 });
  try {
    await send();
  } finally {
    emulator.setFaults({ throttle: 0 });
  }
  const throttled = await responseResult();
  assert.equal(throttled.code, 'ThrottlingException');
  assert.match(throttled.text, /Retryable\s+yes/);
});

test('a signature mismatch: AWS\'s canonical request lined up with ours; a changed line is highlighted', async () => {
  // A wrong secret: the emulator answers as AWS does, echoing its canonical request (with the session token).
  await fillRequest({ 'access-key-id': TEMP_CALLER.accessKeyId, 'secret-access-key': WRONG_SECRET, 'session-token': TEMP_CALLER.sessionToken });
  const response = await send();
  assert.ok((await response.text()).includes(TEMP_CALLER.sessionToken), 'the emulator echoes the session token');
  const result = await responseResult();
  assert.equal(result.code, 'InvalidSignatureException');
  assert.match(result.text, /x-amz-security-token:<redacted>/);
  // Filled in from the message: the same request, so no line differs — the key does.
  assert.match(await page.inputValue('#expected-canonical-request'), /^POST\n\/clusters\/dev-cluster\/assume-role-for-pod-identity\n/);
  assert.equal(await page.$$eval('[data-testid="signature-diff"] [data-diff="changed"]', (els) => els.length), 0);
  assert.match(await out('signature-diff'), /Identical: .* the signing key is wrong\. The secret access key does not belong to the access key ID/);
  const shown = await page.content() + await visible() + await page.inputValue('#response-body') + await page.inputValue('#expected-canonical-request');
  assert.ok(!shown.includes(TEMP_CALLER.sessionToken) && !shown.includes(WRONG_SECRET), 'the session token is shown nowhere');

  // What a proxy rewriting Host looks like: that one line marked changed, the rest the same.
  const ours = await out('canonical-request');
  const theirs = ours.replace(/^host:.*$/m, 'host:proxy.internal.example');
  await fill({ 'expected-canonical-request': `The request signature we calculated does not match the signature you provided.\n\nThe Canonical String for this request should have been\n'${theirs}'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n...'\n` });
  const changed = await page.$$eval('[data-testid="signature-diff"] [data-diff="changed"]', (els) => els.map((e) => [e.dataset.part, e.innerText]));
  assert.equal(changed.length, 1);
  assert.equal(changed[0][0], 'header host');
  assert.match(changed[0][1], /proxy\.internal\.example/);
  assert.equal(await page.$eval('[data-diff="changed"] mark', (m) => m.textContent), 'proxy.internal.example');
  assert.ok(await page.$$eval('[data-testid="signature-diff"] [data-diff="same"]', (els) => els.length) >= 8);
  assert.match(await out('signature-diff'), /The host differs: the request was signed for another endpoint/);
});

test('a clock 10 minutes ahead: the skew explained, one key press signs with the server\'s time, and Send succeeds', async () => {
  await fillRequest({ time: iso(T + 600_000) });
  await send();
  const result = await responseResult();
  assert.equal(result.code, 'InvalidSignatureException');
  assert.match(result.text, /10 minutes ahead of the server's/);
  await page.focus('#use-server-time');
  await page.keyboard.press('Enter');
  assert.equal(await page.inputValue('#time'), iso(T));
  await send();
  assert.equal((await responseResult()).outcome, 'credentials');
});

test('keyboard only: Tab reaches every input and button, Enter sends, Space reveals', async () => {
  await fillRequest();
  await page.focus('a.skip'); // the first stop of the page
  const reached = new Set();
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.id);
    if (id) reached.add(id);
    if (id === 'expected-canonical-request') break;
  }
  for (const id of [...INPUT_IDS, 'send', 'reveal']) assert.ok(reached.has(id), `Tab reaches #${id}`);
  await page.focus('#send');
  const answered = page.waitForResponse((r) => r.url().includes('/proxy/'));
  await page.keyboard.press('Enter');
  await answered;
  await page.waitForFunction(() => document.getElementById('send-status').textContent.startsWith('Sent'));
  await page.focus('#reveal');
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('#reveal', 'aria-pressed'), 'true');
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('#reveal', 'aria-pressed'), 'false');
});

test('nothing stored, logged or put in the address; no console errors', async () => {
  const stored = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie, url: location.href }));
  assert.deepEqual({ ...stored, url: undefined }, { local: 0, session: 0, cookie: '', url: undefined });
  assert.equal(stored.url, `${server.url}www/`);
  const logged = consoleMessages.map((m) => m.text).join('\n');
  for (const secret of secrets) assert.ok(!logged.includes(secret) && !stored.url.includes(secret));
  // Chromium logs every non-2xx fetch as "Failed to load resource"; the error answers Send received
  // through the proxy are the point of those tests, not faults of the page.
  const answers = (m) => m.text.startsWith('Failed to load resource') && m.url.includes('/proxy/');
  assert.deepEqual(consoleMessages.filter((m) => (m.type === 'error' || m.type === 'warning') && !answers(m)), []);
  assert.deepEqual(pageErrors, []);
});

// ---- the page's pure helpers -----------------------------------------------------------------

test('durations read as people say them: the largest unit, the next one down while it counts under 10', () => {
  const now = Date.UTC(2025, 10, 28, 15, 0, 0); // fixed inputs, no clock
  const s = 1000;
  const min = 60 * s;
  const h = 60 * min;
  const d = 24 * h;
  assert.equal(relative(now - (26688 * d + 55 * s), now), '73 years ago');
  assert.equal(relative(now + 14 * min + 3 * s, now), 'in 14 minutes');
  assert.equal(relative(now + h + 5 * min, now), 'in 1 hour 5 minutes');
  assert.equal(relative(now - (h + 5 * min), now), '1 hour 5 minutes ago');
  assert.equal(relative(now - d, now), '1 day ago');
  assert.equal(relative(now + 6 * h, now), 'in 6 hours');
  assert.equal(relative(now + 1 * s, now), 'in 1 second');
  assert.equal(relative(now + 400, now), 'now');
  assert.equal(relative(now - 400, now), 'now');
  assert.equal(formatDuration(600_000), '10 minutes');
  assert.equal(formatDuration(-3_723_000), '1 hour 2 minutes', 'sign dropped; seconds dropped past the hour');
  assert.equal(formatDuration(150 * s), '2 minutes 30 seconds');
  assert.equal(formatDuration(36 * h), '1 day 12 hours');
  assert.equal(formatDuration(10 * d + 5 * h), '10 days', 'no next unit from 10 up');
  assert.equal(formatDuration(45 * d), '1 month');
  assert.equal(formatDuration(0), '0 seconds');
  // Rounding carries into the larger unit rather than saying "60 minutes" or "1 hour 60 minutes".
  assert.equal(formatDuration(59 * min + 40 * s), '1 hour');
  assert.equal(formatDuration(2 * h - 10 * s), '2 hours');
  assert.equal(formatDuration(364 * d), '1 year');
  assert.deepEqual(durationParts(h + 5 * min), [['hour', 1], ['minute', 5]]);
  assert.deepEqual(durationParts(3 * h), [['hour', 3]], 'a zero second unit is left out');
});

test('format, explain and diff: pure functions', () => {
  assert.deepEqual(parseHeaderLines('HTTP/1.1 403 Forbidden\r\nx-amzn-ErrorType: A:b\n\nbad line\nDate: Mon, 01 Jan 2024 00:00:00 GMT'),
    [['x-amzn-ErrorType', 'A:b'], ['Date', 'Mon, 01 Jan 2024 00:00:00 GMT']]);
  assert.equal(curlCommand({ method: 'POST', url: 'https://h/p', headers: { a: "it's" }, body: '{"token": "x"}' }),
    "curl -sS -X POST 'https://h/p' \\\n  -H 'a: it'\\''s' \\\n  --data-binary '{\"token\": \"x\"}'");
  const skew = explainError({ code: 'InvalidSignatureException', message: 'Signature expired: ...' }, { now: T, skewMs: -600_000 });
  assert.equal(skew.suggestedTime, T - 600_000);
  assert.match(skew.action, /10 minutes ahead of the server's/);
  assert.match(explainError({ code: 'SomethingNew' }, { now: T }).meaning, /not an error EKS Auth models/);
  assert.equal(extractCanonicalRequest(JSON.stringify({ message: "x\n\nThe Canonical String for this request should have been\n'POST\n/'\n\nThe String-to-Sign should have been\n'y'\n" })), 'POST\n/');
  assert.equal(extractCanonicalRequest("  'GET\n/'  "), 'GET\n/');
  const { rows, changedParts } = diffCanonicalRequests('POST\n/a\n\nhost:x\n\nhost\nh1', 'POST\n/a\n\nhost:x\nx-amz-security-token:SECRET\n\nhost;x-amz-security-token\nh1');
  assert.deepEqual(changedParts, ['header x-amz-security-token', 'signed headers']);
  assert.ok(!JSON.stringify(rows).includes('SECRET'), 'the session token is redacted in the diff');
});

// ---- the server ------------------------------------------------------------------------------

test('static files: the .wasm as application/wasm, the page with a strict CSP, nothing outside www/ and pkg/', async () => {
  const wasm = await raw({ path: '/pkg/wasm/eks_auth_wasm_bg.wasm' });
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.deepEqual([...wasm.body.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
  const root = await raw({ path: '/?x=1' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/www/?x=1');
  const html = await raw({ path: '/www/' });
  assert.match(html.headers['content-type'], /^text\/html/);
  assert.match(html.headers['content-security-policy'], /default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(html.headers['content-security-policy'], /connect-src 'self'/);
  assert.match(html.body.toString(), /<script type="module" src="console.js">/);
  assert.ok(!/https?:\/\/(?!127\.0\.0\.1)/.test(html.body.toString().replace(/<p>[\s\S]*?<\/p>/g, '')), 'no CDN');
  for (const file of ['console.js', 'format.js', 'explain.js', 'diff.js']) {
    assert.match((await raw({ path: `/www/${file}` })).headers['content-type'], /^text\/javascript/, file);
  }
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

test('the console refuses two Host headers (400), its own first or not, and forwards nothing', async () => {
  const upstream = await recorder();
  const proxy = await startConsoleServer({ endpoint: upstream.url });
  try {
    const own = `127.0.0.1:${proxy.port}`;
    for (const hosts of [[own, own], [own, 'evil.example'], ['evil.example', own]]) {
      for (const [method, path] of [['POST', '/proxy/clusters/c/assume-role-for-pod-identity'], ['GET', '/www/']]) {
        const request = `${method} ${path} HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}Content-Length: 2\r\nConnection: close\r\n\r\n{}`;
        const socket = connect(proxy.port, '127.0.0.1');
        socket.end(request);
        let text = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk) => { text += chunk; });
        await once(socket, 'close');
        assert.match(text, /^HTTP\/1\.1 400 /, `${method} ${path} with Host ${hosts.join(', ')}`);
      }
    }
    assert.equal((await raw({ port: proxy.port, method: 'POST', path: '/proxy/clusters/c/assume-role-for-pod-identity', body: '{}' })).status, 200, 'one Host is served');
    assert.equal(upstream.seen.length, 1, 'only the request with one Host was forwarded');
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test('the proxy refuses dot segments in the path (400), percent-encoded or not, before forwarding', async () => {
  const upstream = await recorder();
  const proxy = await startConsoleServer({ endpoint: `${upstream.url}/prefix` });
  try {
    for (const path of [
      '/proxy/clusters/../../admin',
      '/proxy/clusters/c/../../../admin',
      '/proxy/clusters/%2e%2e/%2E%2E/admin',
      '/proxy/clusters/.%2e/admin',
      '/proxy/clusters/..%2f..%2fadmin',
      '/proxy/clusters/c/./assume-role-for-pod-identity',
      '/proxy/clusters/c\\..\\..\\admin',
      '/proxy/clusters/%zz/assume-role-for-pod-identity',
    ]) {
      const answer = await raw({ port: proxy.port, method: 'POST', path, body: '{}' });
      assert.equal(answer.status, 400, path);
    }
    assert.deepEqual(upstream.seen, [], 'nothing forwarded');
    // A name with dots that is not a dot segment goes through, under the prefix.
    assert.equal((await raw({ port: proxy.port, method: 'POST', path: '/proxy/clusters/a..b/assume-role-for-pod-identity', body: '{}' })).status, 200);
    assert.deepEqual(upstream.seen.map((r) => r.url), ['/prefix/clusters/a..b/assume-role-for-pod-identity']);
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test('an unreachable or silent endpoint is answered by the proxy, marked as such, and explained on the page', async () => {
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
    // The page, served by the unreachable one.
    const other = await browser.newPage();
    try {
      await other.goto(unreachable.url);
      await other.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      await other.evaluate(({ t, time }) => {
        for (const [id, v] of Object.entries({ token: t, 'access-key-id': 'AKIDEXAMPLE', 'secret-access-key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-west-2', 'cluster-name': 'c', time })) {
          document.getElementById(id).value = v;
        }
        document.getElementById('token').dispatchEvent(new Event('input', { bubbles: true }));
      }, { t: token, time: iso(T) });
      await other.click('#send');
      await other.waitForFunction(() => document.getElementById('response-result').dataset.errorCode === 'NetworkError');
      assert.match(await other.textContent('[data-testid="response-result"]'), /from this console's server: the endpoint did not answer[\s\S]*could not reach http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await other.close();
    }
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
  // A regional endpoint: the page resolves it itself (its endpoint field stays empty, so FIPS works).
  const regional = await startConsoleServer({ defaults: { region: 'eu-west-1', useFips: true } });
  try {
    assert.equal(regional.endpoint, 'https://eks-auth-fips.eu-west-1.api.aws');
    const defaults = JSON.parse((await raw({ port: regional.port, path: '/defaults.json' })).body);
    assert.deepEqual(defaults, { region: 'eu-west-1', useFips: true, proxy: { path: '/proxy', target: 'https://eks-auth-fips.eu-west-1.api.aws' } });
  } finally {
    await regional.close();
  }
});

test('eks-auth console serves the page on loopback until SIGTERM; it needs an endpoint or a region', async () => {
  const env = { ...process.env, AWS_REGION: '', AWS_DEFAULT_REGION: '' };
  const bin = `${ROOT}pkg/bin/eks-auth.js`;
  const child = spawn(process.execPath, [bin, 'console', '--endpoint', emulator.endpoint, '--cluster-name', CLUSTER, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stdout = '';
    child.stdout.on('data', (c) => { stdout += c; });
    while (!/\n/.test(stdout) && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const url = /^console: (http:\/\/127\.0\.0\.1:(\d+)\/) \(Send forwards to (\S+)\)$/m.exec(stdout);
    assert.ok(url, stdout);
    assert.equal(url[3], emulator.endpoint);
    const port = Number(url[2]);
    const wasm = await raw({ port, path: '/pkg/wasm/eks_auth_wasm_bg.wasm' });
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.equal((await raw({ port, path: '/www/' })).status, 200);
    assert.equal(JSON.parse((await raw({ port, path: '/defaults.json' })).body).clusterName, CLUSTER);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const missing = spawn(process.execPath, [bin, 'console', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  missing.stderr.on('data', (c) => { stderr += c; });
  const [code] = await once(missing, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /give --endpoint or --region/);
});
