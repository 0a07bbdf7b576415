// Properties of the core through the wasm (fast-check): any valid input — region, cluster name of
// the model's pattern, token, credentials with or without a session token, any time up to 9999,
// FIPS, a custom endpoint, optional members of any text — gives a request whose signature
// @smithy/signature-v4 (the AWS SDK for JavaScript's signer, independent of ours) computes too,
// and a body that is JSON of exactly the input's members. Then the same over the wire: fetch sends
// the request to the emulator, which verifies SigV4 with @smithy/signature-v4 as AWS would.
// Run: node --test tests/js/properties.test.js   (FC_NUM_RUNS=20000 for a longer search, FC_SEED=<n> for other inputs)
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { buildAssumeRoleRequest, parseAssumeRoleResponse, EksAuthError } from 'eks-auth-wasm';
import { startEmulator } from '../../pkg/emulator/index.js';
import { generateKeyPairSync } from 'node:crypto';

const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RUNS = Number(process.env.FC_NUM_RUNS ?? 300);
// One seed, so npm test is the same run on every machine and a failure reproduces; FC_SEED explores.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 0x6b7361) });
const MAX_MILLIS = 253_402_300_799_000; // 9999-12-31T23:59:59Z, the latest instant the core takes

const visibleAscii = (min, max) => fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });

const region = fc.oneof(
  fc.constantFrom('us-east-1', 'us-west-2', 'eu-central-1', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1',
    'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1', 'ap-southeast-5'),
  fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/),
);
const clusterName = fc.stringMatching(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/);
const token = fc.tuple(
  fc.stringMatching(/^[A-Za-z0-9_=-]{1,60}$/),
  fc.stringMatching(/^[A-Za-z0-9_=-]{1,400}$/),
  fc.stringMatching(/^[A-Za-z0-9_=-]{1,350}$/),
).map((parts) => parts.join('.'));
const credentials = fc.record({
  accessKeyId: fc.oneof(fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/), visibleAscii(1, 40)),
  // The secret never leaves the signer: any text (full Unicode, lone surrogates aside, which JSON
  // cannot carry to the core).
  secretAccessKey: fc.oneof(fc.stringMatching(/^[A-Za-z0-9/+]{40}$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 })),
  sessionToken: fc.option(fc.oneof(fc.stringMatching(/^[A-Za-z0-9/+=]{100,800}$/), visibleAscii(1, 200)), { nil: undefined }),
});
const member = fc.option(fc.oneof(
  fc.stringMatching(/^[a-z0-9.-]{1,40}$/),
  fc.stringMatching(/^i-[0-9a-f]{17}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  fc.string({ minLength: 1, maxLength: 30 }), // ASCII with control characters, quotes, backslashes
), { nil: undefined });
const pathSegment = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~-]{1,10}$/) },
  { weight: 1, arbitrary: fc.constantFrom('.', '..', '') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9!$&'()*+,;=:@-]{1,8}$/) },
);
const endpoint = fc.record({
  host: fc.oneof(
    fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,3}$/).map((h) => `https://${h}`),
    fc.constantFrom('127.0.0.1', 'localhost', '[::1]', '127.1.2.3').map((h) => `http://${h}`),
  ),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  prefix: fc.array(pathSegment, { maxLength: 3 }),
  slash: fc.boolean(),
}).map(({ host, port, prefix, slash }) => `${host}${port ? `:${port}` : ''}${prefix.map((s) => `/${s}`).join('')}${slash ? '/' : ''}`);

const validInput = fc.record({
  region,
  clusterName,
  token,
  credentials: fc.option(credentials, { nil: undefined, freq: 10 }),
  now: fc.integer({ min: 0, max: MAX_MILLIS }),
  where: fc.oneof(fc.boolean().map((useFips) => ({ useFips })), endpoint.map((e) => ({ endpoint: e }))),
  eksNodeName: member,
  instanceId: member,
  zone: member,
}).map(({ where, ...rest }) => ({ ...rest, ...where }));

/** `scheme://authority/raw/path` split without normalizing (WHATWG URL would resolve `..`). */
function rawParts(url) {
  const [, scheme, authority, path] = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(url);
  return { scheme, authority, path: path ?? '/' };
}

/** The Authorization @smithy/signature-v4 computes for the request the core built. */
async function smithyAuthorization(input, request) {
  const { scheme, authority, path } = rawParts(request.url);
  const signer = new SignatureV4({
    service: 'eks-auth',
    region: input.region,
    credentials: input.credentials,
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  const hostname = authority.replace(/:\d+$/, '');
  const signed = await signer.sign({
    method: 'POST',
    protocol: `${scheme}:`,
    hostname,
    path,
    query: {},
    headers: { 'content-type': 'application/json', host: authority },
    body: request.body,
  }, { signingDate: new Date(Math.floor(input.now / 1000) * 1000) });
  return signed.headers;
}

test('any valid input is signed as @smithy/signature-v4 signs it; the body holds exactly the input', async () => {
  await fc.assert(fc.asyncProperty(validInput, async (input) => {
    const request = buildAssumeRoleRequest(input);
    assert.equal(request.method, 'POST');
    assert.ok(request.url.endsWith(`/clusters/${input.clusterName}/assume-role-for-pod-identity`));
    assert.ok(/^[\x20-\x7e]*$/.test(request.body), 'botocore body: ASCII');
    const expected = { token: input.token };
    for (const name of ['eksNodeName', 'instanceId', 'zone']) if (input[name] !== undefined) expected[name] = input[name];
    assert.deepEqual(JSON.parse(request.body), expected);
    assert.deepEqual(Object.keys(JSON.parse(request.body)), Object.keys(expected), 'model order');
    if (!input.credentials) {
      assert.deepEqual(Object.keys(request.headers), ['content-type']);
      return;
    }
    const smithy = await smithyAuthorization(input, request);
    assert.equal(request.headers.authorization, smithy.authorization);
    assert.equal(request.headers['x-amz-date'], smithy['x-amz-date']);
    assert.equal(request.headers['x-amz-security-token'], smithy['x-amz-security-token']);
    assert.equal(request.headers['x-amz-security-token'], input.credentials.sessionToken);
  }), { numRuns: RUNS });
});

test('any text in any field gives a request or an EksAuthError naming what is wrong, never a crash', () => {
  const anything = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constant(undefined), fc.integer(), fc.constant(null));
  fc.assert(fc.property(
    fc.record({
      region: fc.oneof(region, anything),
      clusterName: fc.oneof(clusterName, anything),
      token: fc.oneof(token, anything),
      credentials: fc.oneof(credentials, fc.record({ accessKeyId: anything, secretAccessKey: anything, sessionToken: anything }), anything),
      now: fc.oneof(fc.integer({ min: -1e3, max: MAX_MILLIS + 1e3 }), fc.double(), anything),
      useFips: fc.oneof(fc.boolean(), anything),
      endpoint: fc.oneof(endpoint, anything),
      eksNodeName: anything,
    }),
    (input) => {
      try {
        buildAssumeRoleRequest(input);
      } catch (error) {
        assert.ok(error instanceof EksAuthError, `${error?.constructor?.name}: ${error?.message}`);
        assert.ok(error.code, 'a code');
        if (error.code === 'InvalidInput') assert.ok(error.field, 'InvalidInput names the field');
        for (const secret of [input.token, input.credentials?.secretAccessKey, input.credentials?.sessionToken]) {
          if (typeof secret === 'string' && secret.length >= 12) assert.ok(!error.message.includes(secret), 'no secret in the message');
        }
      }
    },
  ), { numRuns: RUNS * 3 });
});

test('any bytes, status and headers parse to a result or an EksAuthError, never a crash', () => {
  fc.assert(fc.property(
    fc.oneof(fc.constant(200), fc.integer({ min: 100, max: 599 }), fc.integer()),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom('x-amzn-ErrorType', 'x-amzn-RequestId', 'content-type'), fc.string()), fc.string()), { maxLength: 4 }),
    fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.string(), fc.json()),
    (status, headers, body) => {
      try {
        const result = parseAssumeRoleResponse({ status, headers, body });
        assert.equal(typeof result, 'object');
      } catch (error) {
        assert.ok(error instanceof EksAuthError, `${error?.constructor?.name}: ${error?.message}`);
      }
    },
  ), { numRuns: RUNS * 3 });
});

test('a result reads as JSON.parse reads its body: members and their order, null as absent, the expiry in epoch seconds', () => {
  // The core reads a body in one pass into the result, or through a serde_json Value when that
  // fails (src/response.rs); either way the object must be the body's, member order included, from
  // a body given as bytes or as text, compact or indented.
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '\0', 'a\0b', '\u0001', '"\\'));
  const pair = (a, b) => fc.record({ [a]: fc.option(text, { nil: null }), [b]: text }, { requiredKeys: [] });
  const expiration = fc.oneof(fc.integer({ min: 0, max: 253402300799 }), fc.double({ min: 0, max: 253402300799, noNaN: true }),
    fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59Z') }).map((d) => d.toISOString()));
  // Any subset of members, and every member (what EKS Auth sends, read by a literal of its own).
  const members = (requiredKeys) => fc.record({
    subject: fc.record({ namespace: text, serviceAccount: text }, { requiredKeys }),
    audience: text,
    podIdentityAssociation: fc.record({ associationArn: text, associationId: text }, { requiredKeys }),
    assumedRoleUser: fc.record({ arn: text, assumeRoleId: text }, { requiredKeys }),
    credentials: fc.record({ sessionToken: text, secretAccessKey: text, accessKeyId: text, expiration }, { requiredKeys }),
    workloadIdentityProviderArn: text,
  }, { requiredKeys: requiredKeys ?? ['subject', 'audience', 'podIdentityAssociation', 'assumedRoleUser', 'credentials'] });
  const result = fc.oneof(members([]), members(undefined), pair('subject', 'audience'));
  fc.assert(fc.property(result, fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }), fc.boolean(), fc.constantFrom(undefined, 1, '\t'), (wire, headers, asText, indent) => {
    const body = JSON.stringify(wire, null, indent);
    const response = { status: 200, headers, body: asText ? body : new TextEncoder().encode(body) };
    // The generators' one wrong type: a string where the model has an object.
    if (['subject', 'podIdentityAssociation', 'assumedRoleUser', 'credentials'].some((k) => typeof wire[k] === 'string')) {
      assert.throws(() => parseAssumeRoleResponse(response), (e) => e instanceof EksAuthError && e.code === 'MalformedResponse');
      return;
    }
    const expected = JSON.parse(body, (key, value) => (value === null ? undefined : value));
    const expiration = expected.credentials?.expiration;
    if (typeof expiration === 'string') expected.credentials.expiration = Date.parse(expiration) / 1000;
    const result = parseAssumeRoleResponse(response);
    const seconds = result.credentials?.expiration;
    if (typeof seconds === 'number') {
      // The core reads numbers exactly to 15 significant digits and within a few units in the last
      // place past them (src/json.rs `parse_number`); ISO 8601 fractions to the µs.
      const want = expected.credentials.expiration;
      assert.ok(Math.abs(seconds - want) <= Math.max(1e-6, Math.abs(want) * 4 * Number.EPSILON), `${seconds} for ${expiration}`);
      result.credentials.expiration = expected.credentials.expiration;
    }
    assert.equal(JSON.stringify(result), JSON.stringify(expected));
  }), { numRuns: RUNS * 3 });
});

test('over the wire: the emulator verifies (with @smithy/signature-v4) every request fetch sends', async (t) => {
  // Each run starts an emulator that knows the generated caller (one RSA key for all: generating
  // it is the slow part of a start).
  const wire = fc.record({
    region: fc.stringMatching(/^[a-z]{2}-[a-z]{4,9}-[1-9]$/),
    clusterName,
    token,
    credentials,
    prefix: fc.array(pathSegment, { maxLength: 3 }),
    eksNodeName: member,
  });
  const runs = Math.max(20, Math.floor(RUNS / 6));
  await fc.assert(fc.asyncProperty(wire, async ({ region, clusterName: cluster, token: jwt, credentials: caller, prefix, eksNodeName }) => {
    const accessKeyId = caller.accessKeyId.replace(/[^A-Za-z0-9]/g, '') || 'AKID';
    const callerKey = { ...caller, accessKeyId };
    const now = Date.now();
    const emulator = await startEmulator({ region, callers: [callerKey], clusters: [cluster], now: () => now, signingKey: SIGNING_KEY });
    try {
      const endpoint = `${emulator.url}${prefix.map((s) => `/${s}`).join('')}`;
      const request = buildAssumeRoleRequest({ region, clusterName: cluster, token: jwt, credentials: callerKey, now, endpoint, eksNodeName });
      const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
      const type = response.headers.get('x-amzn-errortype');
      const body = await response.text();
      // Authenticated: the answer is about the request (unknown operation for a prefix the
      // emulator does not serve, or the token), never an authentication failure.
      assert.notEqual(response.status, 403, `${type}: ${body}\nendpoint ${endpoint}`);
      assert.ok(emulator.stats.authenticated === 1, `authenticated: ${JSON.stringify(emulator.stats)}`);
    } finally {
      await emulator.close();
    }
  }), { numRuns: runs });
  t.diagnostic(`${runs} requests sent`);
});

// Found by probing the over-the-wire property with more path characters: a custom endpoint whose
// path holds characters fetch (WHATWG URL) rewrites — `"`, `<`, `>`, `{`, `}` and a backtick are
// percent-encoded, `\` becomes `/` — was signed as given, so the service saw another path and
// answered InvalidSignatureException. The core now refuses them (InvalidInput on `endpoint`).
test('custom endpoint paths that fetch rewrites are refused or signed as sent', async () => {
  const caller = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const emulatorWithCaller = await startEmulator({ region: 'us-west-2', clusters: ['c'], callers: [caller], signingKey: SIGNING_KEY });
  try {
    for (const prefix of ['/a"b', '/a\\b', '/a<b>', '/a{b}', '/a`b']) {
      let request;
      try {
        request = buildAssumeRoleRequest({ region: 'us-west-2', clusterName: 'c', token: 'a.b.c', credentials: caller, now: Date.now(), endpoint: emulatorWithCaller.url + prefix });
      } catch (error) {
        assert.equal(error.field, 'endpoint', prefix);
        continue;
      }
      const response = await fetch(request.url, request);
      await response.text();
      assert.notEqual(response.status, 403, `${prefix}: ${response.headers.get('x-amzn-errortype')}`);
    }
  } finally {
    await emulatorWithCaller.close();
  }
});
