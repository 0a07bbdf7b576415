// Tests of the local EKS Auth emulator, over real HTTP on 127.0.0.1.
// Run: node --test tests/js/emulator.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  DEFAULT_CALLER, MODELED_ERRORS, runEmulatorCli, startEmulator,
} from '../../pkg/emulator/index.js';

const VECTORS = JSON.parse(await readFile(new URL('../data/eks-auth/request-vectors.json', import.meta.url), 'utf8'));
const EXTRA_VECTORS = JSON.parse(await readFile(new URL('../data/eks-auth/extra-request-vectors.json', import.meta.url), 'utf8'));
const MAIN = fileURLToPath(new URL('../../pkg/emulator/main.js', import.meta.url));

const REGION = 'us-west-2';
const CLUSTER = 'my-cluster';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/my-pod-role';
const TARGET_ROLE_ARN = 'arn:aws:iam::444455556666:role/team/cross-account-role';
const OPERATION_PATH = `/clusters/${CLUSTER}/assume-role-for-pod-identity`;
const CALLER = { accessKeyId: 'AKIDTESTCALLER', secretAccessKey: 'test/secret+KEY/forTheEmulatorOnly00000' };
const TEMP_CALLER = { accessKeyId: 'ASIATESTCALLER', secretAccessKey: 'temp/secret+KEY/forTheEmulatorOnly00000', sessionToken: 'FwoGZXIvYXdzEXAMPLEsessionTOKEN//=' };
const T0 = Date.parse('2024-01-01T00:10:00Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BAD_SIGNATURE_PREFIX = 'The request signature we calculated does not match the signature you provided. '
  + 'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

// One key for every emulator in this file: RSA generation is the slow part of a start.
const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Sends one raw HTTP request; resolves to status, headers, body text (and parsed JSON when it parses). */
function send({ port, method = 'POST', path, headers = {}, body = '' }) {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: response.statusCode, headers: response.headers, text, json });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Signs with @smithy/signature-v4 for the emulator's host, as a client would, and sends. */
async function sendSigned(emulator, {
  body, path = OPERATION_PATH, credentials = CALLER, region = emulator.region, signingDate = new Date(T0), extraHeaders = {},
}) {
  const host = `127.0.0.1:${emulator.port}`;
  const signer = new SignatureV4({ service: 'eks-auth', region, credentials, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: emulator.port, path, headers: { 'content-type': 'application/json', host, ...extraHeaders }, body },
    { signingDate },
  );
  return send({ port: emulator.port, path, headers: signed.headers, body });
}

const tokenBody = (token, extra = {}) => JSON.stringify({ token, ...extra });

function assertError(response, status, type, message) {
  assert.equal(response.status, status, response.text);
  assert.equal(response.headers['x-amzn-errortype'], type);
  assert.equal(response.headers['content-type'], 'application/json');
  assert.match(response.headers['x-amzn-requestid'], UUID);
  assert.deepEqual(Object.keys(response.json), ['message']);
  if (message !== undefined) assert.equal(response.json.message, message);
}

/** Deep key order of a JSON value, to pin the wire member order. */
function keyShape(value) {
  if (value === null || typeof value !== 'object') return typeof value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, keyShape(inner)]));
}

const sha256Hex = (text) => createHash('sha256').update(text).digest('hex');

/** A mutable clock for an emulator. */
function clock(start = T0) {
  const state = { millis: start };
  return { state, now: () => state.millis };
}

async function withEmulator(options, body) {
  const emulator = await startEmulator({ signingKey: SIGNING_KEY, ...options });
  try {
    return await body(emulator);
  } finally {
    await emulator.close();
  }
}

describe('authentication', () => {
  let emulator;
  const time = clock();
  before(async () => {
    emulator = await startEmulator({
      region: REGION, callers: [CALLER, TEMP_CALLER], now: time.now, signingKey: SIGNING_KEY,
      associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN }],
    });
  });
  after(() => emulator.close());

  test('missing Authorization: 403 MissingAuthenticationTokenException', async () => {
    const response = await send({ port: emulator.port, path: OPERATION_PATH, headers: { 'content-type': 'application/json' }, body: tokenBody('a.b.c') });
    assertError(response, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  });

  test('unknown access key: 403 UnrecognizedClientException', async () => {
    const response = await sendSigned(emulator, { body: tokenBody('a.b.c'), credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: CALLER.secretAccessKey } });
    assertError(response, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  });

  test('wrong secret: 403 InvalidSignatureException with the canonical request the emulator expected', async () => {
    const body = tokenBody('a.b.c');
    const response = await sendSigned(emulator, { body, credentials: { ...CALLER, secretAccessKey: 'not/the+right/secret' } });
    // Built by hand from the SigV4 definition, independently of both signers.
    const canonicalRequest = [
      'POST', OPERATION_PATH, '',
      'content-type:application/json', `host:127.0.0.1:${emulator.port}`, 'x-amz-date:20240101T001000Z', '',
      'content-type;host;x-amz-date', sha256Hex(body),
    ].join('\n');
    const stringToSign = ['AWS4-HMAC-SHA256', '20240101T001000Z', `20240101/${REGION}/eks-auth/aws4_request`, sha256Hex(canonicalRequest)].join('\n');
    assertError(response, 403, 'InvalidSignatureException',
      `${BAD_SIGNATURE_PREFIX}\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`);
  });

  test('a body changed after signing: InvalidSignatureException', async () => {
    const host = `127.0.0.1:${emulator.port}`;
    const signer = new SignatureV4({ service: 'eks-auth', region: REGION, credentials: CALLER, sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', hostname: '127.0.0.1', path: OPERATION_PATH, headers: { 'content-type': 'application/json', host }, body: tokenBody('a.b.c') }, { signingDate: new Date(T0) });
    const response = await send({ port: emulator.port, path: OPERATION_PATH, headers: signed.headers, body: tokenBody('x.y.z') });
    assertError(response, 403, 'InvalidSignatureException');
    assert.ok(response.json.message.startsWith(BAD_SIGNATURE_PREFIX));
  });

  test('request signed 10 minutes before the emulator clock: Signature expired ... earlier than', async () => {
    const response = await sendSigned(emulator, { body: tokenBody('a.b.c'), signingDate: new Date('2024-01-01T00:00:00Z') });
    assertError(response, 403, 'InvalidSignatureException',
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)');
  });

  test('request signed 10 minutes after the emulator clock: Signature expired ... later than', async () => {
    const response = await sendSigned(emulator, { body: tokenBody('a.b.c'), signingDate: new Date('2024-01-01T00:20:00Z') });
    assertError(response, 403, 'InvalidSignatureException',
      'Signature expired: 20240101T002000Z is now later than 20240101T001500Z (20240101T001000Z + 5 min.)');
  });

  test('exactly 5 minutes of skew either way is still accepted', async () => {
    for (const offset of [-300_000, 300_000]) {
      const response = await sendSigned(emulator, { body: tokenBody('a.b.c'), signingDate: new Date(T0 + offset) });
      assertError(response, 400, 'InvalidTokenException');
    }
  });

  test('credential scoped to another region: InvalidSignatureException', async () => {
    const response = await sendSigned(emulator, { body: tokenBody('a.b.c'), region: 'eu-west-1' });
    assertError(response, 403, 'InvalidSignatureException', "Credential should be scoped to a valid region, not 'eu-west-1'.");
  });

  test('caller configured with a session token: the request must carry exactly that token', async () => {
    const { sessionToken, ...withoutToken } = TEMP_CALLER;
    const missing = await sendSigned(emulator, { body: tokenBody('a.b.c'), credentials: withoutToken });
    assertError(missing, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const wrong = await sendSigned(emulator, { body: tokenBody('a.b.c'), credentials: { ...TEMP_CALLER, sessionToken: `${sessionToken}x` } });
    assertError(wrong, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const extra = await sendSigned(emulator, { body: tokenBody('a.b.c'), credentials: { ...CALLER, sessionToken } });
    assertError(extra, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const right = await sendSigned(emulator, { body: tokenBody('a.b.c'), credentials: TEMP_CALLER });
    assertError(right, 400, 'InvalidTokenException');
  });

  test('malformed Authorization: 403 IncompleteSignatureException', async () => {
    const response = await send({ port: emulator.port, path: OPERATION_PATH, headers: { authorization: 'Bearer abc', 'x-amz-date': '20240101T001000Z' }, body: tokenBody('a.b.c') });
    assertError(response, 403, 'IncompleteSignatureException');
  });
});

describe('botocore and Rust SDK request vectors', () => {
  /** Replays a recorded request byte for byte (Host included) to an emulator set up like its signer. */
  async function replay(vector, { pathPrefix = '', mutateAuthorization = (value) => value } = {}) {
    const { input, expected } = vector;
    const path = expected.path ?? new URL(expected.url).pathname;
    const caller = { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey, ...(input.sessionToken ? { sessionToken: input.sessionToken } : {}) };
    return withEmulator({
      region: input.region, pathPrefix, callers: [caller], now: () => input.time.epochMillis, clusters: ['my-cluster', input.clusterName].filter((name) => /^[0-9A-Za-z][A-Za-z0-9\-_]*$/.test(name)),
    }, async (emulator) => {
      const headers = {};
      for (const [name, value] of [...expected.headers, ...(expected.httpLayerHeaders ?? [['Host', expected.host]])]) {
        headers[name] = name.toLowerCase() === 'authorization' ? mutateAuthorization(value) : value;
      }
      return send({ port: emulator.port, method: expected.method, path, headers, body: expected.body });
    });
  }

  /** Flips the last hex digit of the signature. */
  const flipSignature = (authorization) => authorization.replace(/.$/, (digit) => (digit === '0' ? '1' : '0'));

  for (const vector of VECTORS.vectors) {
    test(`${vector.id}: the signature verifies (then the token 'a.b.c' is rejected)`, async () => {
      const response = await replay(vector);
      assertError(response, 400, 'InvalidTokenException', 'The specified Kubernetes service account token is invalid.');
    });

    test(`${vector.id}: one flipped signature character gives InvalidSignatureException with botocore's canonical request`, async () => {
      const response = await replay(vector, { mutateAuthorization: flipSignature });
      assertError(response, 403, 'InvalidSignatureException',
        `${BAD_SIGNATURE_PREFIX}\n\nThe Canonical String for this request should have been\n'${vector.expected.canonicalRequest}'`
          + `\n\nThe String-to-Sign should have been\n'${vector.expected.stringToSign}'\n`);
    });
  }

  for (const vector of VECTORS.rustSdkVectors) {
    test(`${vector.id} (Rust SDK, signs content-length and x-amz-user-agent): the signature verifies`, async () => {
      assertError(await replay(vector), 400, 'InvalidTokenException');
    });
  }

  for (const vector of VECTORS.outsideModelPattern) {
    test(`${vector.id}: cluster '${vector.input.clusterName}' passes SigV4 (double-encoded path) and fails the model pattern`, async () => {
      const response = await replay(vector);
      assertError(response, 400, 'InvalidParameterException');
      assert.match(response.json.message, /at 'clusterName' failed to satisfy constraint/);
    });
  }

  for (const vector of EXTRA_VECTORS.vectors) {
    test(`${vector.id}: the signature verifies`, async () => {
      const pathPrefix = vector.input.endpoint ? new URL(vector.input.endpoint).pathname : '';
      assertError(await replay(vector, { pathPrefix }), 400, 'InvalidTokenException');
    });
  }
});

describe('AssumeRoleForPodIdentity', () => {
  let emulator;
  const time = clock();
  before(async () => {
    emulator = await startEmulator({
      region: REGION, callers: [CALLER], now: time.now, signingKey: SIGNING_KEY, clusters: ['empty-cluster'],
      associations: [
        { cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN, associationId: 'a-abcdefghijklmnop1' },
        { cluster: CLUSTER, namespace: 'team', serviceAccount: 'chained', roleArn: ROLE_ARN, targetRoleArn: TARGET_ROLE_ARN },
      ],
    });
  });
  after(() => emulator.close());

  test('a signed request with a minted token: 200 in the exact wire shape', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'my-pod' });
    const response = await sendSigned(emulator, { body: tokenBody(token, { eksNodeName: 'ip-10-0-0-1.us-west-2.compute.internal', instanceId: 'i-0abc123def4567890', zone: 'usw2-az1' }) });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.match(response.headers['x-amzn-requestid'], UUID);
    assert.equal(response.headers['x-amzn-errortype'], undefined);
    assert.deepEqual(keyShape(response.json), {
      subject: { namespace: 'string', serviceAccount: 'string' },
      audience: 'string',
      podIdentityAssociation: { associationArn: 'string', associationId: 'string' },
      assumedRoleUser: { arn: 'string', assumeRoleId: 'string' },
      credentials: { sessionToken: 'string', secretAccessKey: 'string', accessKeyId: 'string', expiration: 'number' },
    });
    const { subject, audience, podIdentityAssociation, assumedRoleUser, credentials } = response.json;
    assert.deepEqual(subject, { namespace: 'default', serviceAccount: 'my-sa' });
    assert.equal(audience, 'pods.eks.amazonaws.com');
    assert.deepEqual(podIdentityAssociation, {
      associationArn: 'arn:aws:eks:us-west-2:111122223333:podidentityassociation/my-cluster/a-abcdefghijklmnop1',
      associationId: 'a-abcdefghijklmnop1',
    });
    const session = /^eks-my-cluster-my-pod-[0-9a-f-]{36}$/;
    const [, sessionName] = /assumed-role\/my-pod-role\/(.+)$/.exec(assumedRoleUser.arn);
    assert.match(sessionName, session);
    assert.equal(assumedRoleUser.arn, `arn:aws:sts::111122223333:assumed-role/my-pod-role/${sessionName}`);
    assert.match(assumedRoleUser.assumeRoleId, /^AROA[A-Z0-9]{17}:/);
    assert.equal(assumedRoleUser.assumeRoleId.split(':')[1], sessionName);
    assert.match(credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.match(credentials.secretAccessKey, /^[A-Za-z0-9/+]{40}$/);
    assert.ok(credentials.sessionToken.length > 100);
    assert.ok(Number.isInteger(credentials.expiration));
    assert.equal(credentials.expiration, T0 / 1000 + 21600);
    assert.ok(!('workloadIdentityProviderArn' in response.json));
  });

  test('credentials are fresh on every call; the association id is stable', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'my-pod' });
    const first = await sendSigned(emulator, { body: tokenBody(token) });
    const second = await sendSigned(emulator, { body: tokenBody(token) });
    assert.notEqual(first.json.credentials.accessKeyId, second.json.credentials.accessKeyId);
    assert.notEqual(first.json.credentials.secretAccessKey, second.json.credentials.secretAccessKey);
    assert.notEqual(first.json.credentials.sessionToken, second.json.credentials.sessionToken);
    assert.notEqual(first.json.assumedRoleUser.arn, second.json.assumedRoleUser.arn);
    assert.equal(first.json.podIdentityAssociation.associationId, second.json.podIdentityAssociation.associationId);
    assert.equal(first.json.assumedRoleUser.assumeRoleId.split(':')[0], second.json.assumedRoleUser.assumeRoleId.split(':')[0]);
  });

  test('a target role: credentials for it, 59 minutes', async () => {
    const token = await emulator.mintToken({ namespace: 'team', serviceAccount: 'chained', podName: 'worker-1' });
    const response = await sendSigned(emulator, { body: tokenBody(token) });
    assert.equal(response.status, 200, response.text);
    assert.match(response.json.assumedRoleUser.arn, /^arn:aws:sts::444455556666:assumed-role\/cross-account-role\/eks-my-cluster-worker-1-/);
    assert.match(response.json.podIdentityAssociation.associationArn, /^arn:aws:eks:us-west-2:111122223333:podidentityassociation\/my-cluster\/a-[a-z0-9]{17}$/);
    assert.equal(response.json.credentials.expiration, T0 / 1000 + 3540);
  });

  test('issuedCredentials: whom each credential went to (the token\'s jti), and what was issued', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'pod-issued' });
    const { jti } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    const response = await sendSigned(emulator, { body: tokenBody(token) });
    const { credentials } = response.json;
    assert.deepEqual(emulator.issuedCredentials(credentials.accessKeyId), {
      tokenId: jti,
      cluster: CLUSTER,
      namespace: 'default',
      serviceAccount: 'my-sa',
      podName: 'pod-issued',
      associationId: 'a-abcdefghijklmnop1',
      roleArn: ROLE_ARN,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiration,
      issuedAt: T0,
    });
    assert.ok(Object.isFrozen(emulator.issuedCredentials(credentials.accessKeyId)));
    assert.equal(emulator.issuedCredentials('ASIANEVERISSUED0000'), undefined);
  });

  test('minted token: RS256, 40-hex kid, EKS claims, 24 h lifetime', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'my-pod' });
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', kid: emulator.kid });
    assert.match(emulator.kid, /^[0-9a-f]{40}$/);
    const claims = decodeJwt(token);
    assert.deepEqual(claims.aud, ['pods.eks.amazonaws.com']);
    assert.match(claims.iss, /^https:\/\/oidc\.eks\.us-west-2\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
    assert.equal(claims.iss, emulator.issuer);
    assert.equal(claims.sub, 'system:serviceaccount:default:my-sa');
    assert.equal(claims.iat, T0 / 1000);
    assert.equal(claims.nbf, claims.iat);
    assert.equal(claims.exp - claims.iat, 86400);
    assert.match(claims.jti, UUID);
    const kubernetes = claims['kubernetes.io'];
    assert.deepEqual(Object.keys(kubernetes), ['namespace', 'pod', 'serviceaccount', 'node']);
    assert.equal(kubernetes.namespace, 'default');
    assert.equal(kubernetes.pod.name, 'my-pod');
    assert.equal(kubernetes.serviceaccount.name, 'my-sa');
    for (const part of ['pod', 'serviceaccount', 'node']) assert.match(kubernetes[part].uid, UUID);
    assert.equal(typeof kubernetes.node.name, 'string');
  });

  test('expired token: 400 ExpiredTokenException', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', now: T0 - 86_401_000 });
    assertError(await sendSigned(emulator, { body: tokenBody(token) }), 400, 'ExpiredTokenException');
  });

  test('token not yet valid (nbf in the future): 400 InvalidTokenException', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', notBefore: T0 / 1000 + 3600 });
    assertError(await sendSigned(emulator, { body: tokenBody(token) }), 400, 'InvalidTokenException');
  });

  test('wrong audience: 400 InvalidTokenException', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', audience: 'sts.amazonaws.com' });
    assertError(await sendSigned(emulator, { body: tokenBody(token) }), 400, 'InvalidTokenException',
      'The specified Kubernetes service account token is invalid.');
  });

  test('token signed by another emulator: 400 InvalidTokenException', async () => {
    const other = await startEmulator({ region: REGION, now: time.now });
    const token = await other.mintToken({ namespace: 'default', serviceAccount: 'my-sa' });
    await other.close();
    assertError(await sendSigned(emulator, { body: tokenBody(token) }), 400, 'InvalidTokenException');
  });

  test('a token with a tampered payload: 400 InvalidTokenException', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'other-sa' });
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'system:serviceaccount:default:my-sa' })).toString('base64url');
    assertError(await sendSigned(emulator, { body: tokenBody(`${header}.${payload}.${signature}`) }), 400, 'InvalidTokenException');
  });

  test('unparsable token: 400 InvalidTokenException', async () => {
    for (const token of ['not-a-jwt', 'a.b.c', 'a b.c.d']) {
      assertError(await sendSigned(emulator, { body: tokenBody(token) }), 400, 'InvalidTokenException');
    }
  });

  test('body not JSON, not an object, or without token: 400 InvalidRequestException', async () => {
    for (const body of ['token=a.b.c', '[]', '{}', '{"token": 5}', '{"token": ""}', '']) {
      assertError(await sendSigned(emulator, { body }), 400, 'InvalidRequestException');
    }
  });

  test('cluster name breaking the model pattern: 400 InvalidParameterException', async () => {
    for (const name of ['-leading-dash', 'my.cluster', 'x'.repeat(101)]) {
      const response = await sendSigned(emulator, { body: tokenBody('a.b.c'), path: `/clusters/${name}/assume-role-for-pod-identity` });
      assertError(response, 400, 'InvalidParameterException');
    }
  });

  test('unknown cluster: 404 ResourceNotFoundException', async () => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa' });
    const response = await sendSigned(emulator, { body: tokenBody(token), path: '/clusters/other/assume-role-for-pod-identity' });
    assertError(response, 404, 'ResourceNotFoundException', 'No cluster found for name: other.');
  });

  test('no association for the service account: 400 AccessDeniedException', async () => {
    for (const [path, serviceAccount] of [[OPERATION_PATH, 'unassociated'], ['/clusters/empty-cluster/assume-role-for-pod-identity', 'my-sa']]) {
      const token = await emulator.mintToken({ namespace: 'default', serviceAccount });
      assertError(await sendSigned(emulator, { body: tokenBody(token), path }), 400, 'AccessDeniedException');
    }
  });

  test('a path outside the operation: 404 UnknownOperationException', async () => {
    const response = await sendSigned(emulator, { body: tokenBody('a.b.c'), path: '/clusters/my-cluster/other' });
    assertError(response, 404, 'UnknownOperationException');
  });
});

describe('issued credentials', () => {
  test('credentialsLifetimeSeconds replaces the 6 h; issuedRecords bounds the memory, oldest first', () => withEmulator({
    region: REGION, callers: [CALLER], now: () => T0, credentialsLifetimeSeconds: 40, issuedRecords: 2,
    associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN }],
  }, async (emulator) => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'p' });
    const keys = [];
    for (let i = 0; i < 3; i++) {
      const response = await sendSigned(emulator, { body: tokenBody(token) });
      assert.equal(response.json.credentials.expiration, T0 / 1000 + 40);
      keys.push(response.json.credentials.accessKeyId);
    }
    assert.equal(emulator.issuedCredentials(keys[0]), undefined);
    assert.ok(emulator.issuedCredentials(keys[1]));
    assert.ok(emulator.issuedCredentials(keys[2]));
  }));

  test('bad settings are refused at start', async () => {
    await assert.rejects(startEmulator({ credentialsLifetimeSeconds: 0 }), /credentialsLifetimeSeconds/);
    await assert.rejects(startEmulator({ credentialsLifetimeSeconds: 1.5 }), /credentialsLifetimeSeconds/);
    await assert.rejects(startEmulator({ issuedRecords: -1 }), /issuedRecords/);
  });
});

describe('path prefix', () => {
  test('the operation is served under the prefix only', () => withEmulator({
    pathPrefix: '/base/', callers: [CALLER], now: () => T0,
    associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN }],
  }, async (emulator) => {
    assert.equal(emulator.endpoint, `${emulator.url}/base`);
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa' });
    assert.equal((await sendSigned(emulator, { body: tokenBody(token), path: `/base${OPERATION_PATH}` })).status, 200);
    assertError(await sendSigned(emulator, { body: tokenBody(token) }), 404, 'UnknownOperationException');
  }));
});

describe('faults and stats', () => {
  let emulator;
  let token;
  before(async () => {
    emulator = await startEmulator({
      callers: [CALLER], now: () => T0, signingKey: SIGNING_KEY,
      associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN }],
    });
    token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa' });
  });
  after(() => emulator.close());

  const call = () => sendSigned(emulator, { body: tokenBody(token) });
  const only = (faults) => { emulator.setFaults({ throttle: 0, error500: 0, error503: 0, drop: 0, garbage: 0, latencyMs: 0, latencyRate: 1, errors: {}, ...faults }); };

  test('throttle: 429 ThrottlingException "Rate exceeded"', async () => {
    only({ throttle: 1 });
    assertError(await call(), 429, 'ThrottlingException', 'Rate exceeded');
  });

  test('error500: 500 InternalServerException; error503: 503 ServiceUnavailableException', async () => {
    only({ error500: 1 });
    assertError(await call(), 500, 'InternalServerException');
    only({ error503: 1 });
    assertError(await call(), 503, 'ServiceUnavailableException');
  });

  test('drop: the connection closes without an answer', async () => {
    only({ drop: 1 });
    await assert.rejects(call(), (error) => ['ECONNRESET', 'UND_ERR_SOCKET'].includes(error.code) || /socket hang up/.test(error.message));
  });

  test('garbage: 200 with a body that is not JSON', async () => {
    only({ garbage: 1 });
    const response = await call();
    assert.equal(response.status, 200);
    assert.match(response.headers['x-amzn-requestid'], UUID);
    assert.equal(response.json, undefined);
    assert.throws(() => JSON.parse(response.text));
  });

  test('latency: the answer waits latencyMs', async () => {
    only({ latencyMs: 150 });
    const started = performance.now();
    assert.equal((await call()).status, 200);
    assert.ok(performance.now() - started >= 140);
  });

  test('every modeled error can be forced, with its model status', async () => {
    for (const [type, status] of Object.entries(MODELED_ERRORS)) {
      only({ errors: { [type]: 1 } });
      assertError(await call(), status, type);
    }
    only({ errors: { AccessDeniedException: { rate: 1, message: 'forced for a test' } } });
    assertError(await call(), 400, 'AccessDeniedException', 'forced for a test');
  });

  test('rates are drawn from the injected random(), one draw per active fault', () => withEmulator({
    callers: [CALLER], now: () => T0,
    associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN }],
    faults: { throttle: 0.5, error503: 0.5 },
    random: (() => { const draws = [0.4, 0.9, 0.1, 0.9, 0.9]; return () => draws.shift(); })(),
  }, async (scripted) => {
    const minted = await scripted.mintToken({ namespace: 'default', serviceAccount: 'my-sa' });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await sendSigned(scripted, { body: tokenBody(minted) })).status);
    // 0.4 < 0.5 → throttle; 0.9 then 0.1 → 503; 0.9, 0.9 → success.
    assert.deepEqual(statuses, [429, 503, 200]);
  }));

  test('faults apply only after authentication; rates outside 0..1 are refused', async () => {
    only({ throttle: 1 });
    const response = await send({ port: emulator.port, path: OPERATION_PATH, body: tokenBody(token) });
    assertError(response, 403, 'MissingAuthenticationTokenException');
    assert.throws(() => emulator.setFaults({ drop: 1.5 }), /between 0 and 1/);
    assert.throws(() => emulator.setFaults({ errors: { NotAnError: 1 } }), /not a modeled error/);
    assert.throws(() => emulator.setFaults({ flood: 1 }), /unknown fault/);
  });

  test('stats count calls per outcome', async () => {
    only({});
    emulator.resetStats();
    await call();
    await call();
    await send({ port: emulator.port, path: OPERATION_PATH, body: tokenBody(token) });
    only({ throttle: 1 });
    await call();
    only({ drop: 1 });
    await call().catch(() => {});
    only({ garbage: 1 });
    await call();
    only({});
    assert.deepEqual(emulator.stats, {
      received: 6,
      authenticated: 5,
      delayed: 0,
      outcomes: { ok: 2, MissingAuthenticationTokenException: 1, ThrottlingException: 1, drop: 1, garbage: 1 },
    });
  });
});

describe('logging', () => {
  const records = [];
  test('request records carry no token, secret or session token', () => withEmulator({
    callers: [TEMP_CALLER], now: () => T0, log: (record) => records.push(record),
    associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN }],
  }, async (emulator) => {
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa' });
    const ok = await sendSigned(emulator, { body: tokenBody(token), credentials: TEMP_CALLER });
    await sendSigned(emulator, { body: tokenBody(token), credentials: { ...TEMP_CALLER, secretAccessKey: 'wrong' } });
    const logged = JSON.stringify(records);
    assert.equal(records.length, 2);
    assert.equal(records[0].outcome, 'ok');
    assert.equal(records[1].outcome, 'InvalidSignatureException');
    for (const secret of [token, TEMP_CALLER.secretAccessKey, TEMP_CALLER.sessionToken, ok.json.credentials.secretAccessKey, ok.json.credentials.sessionToken]) {
      assert.ok(!logged.includes(secret));
    }
  }));
});

describe('options', () => {
  test('without callers, only DEFAULT_CALLER is accepted', () => withEmulator({ now: () => T0 }, async (emulator) => {
    assert.match(DEFAULT_CALLER.accessKeyId, /^AKIA/);
    assertError(await sendSigned(emulator, { body: tokenBody('a.b.c'), credentials: DEFAULT_CALLER }), 404, 'ResourceNotFoundException');
    assertError(await sendSigned(emulator, { body: tokenBody('a.b.c') }), 403, 'UnrecognizedClientException');
  }));

  test('invalid configuration fails at start', async () => {
    await assert.rejects(startEmulator({ associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'sa', roleArn: 'not-an-arn' }] }), /IAM role ARN/);
    await assert.rejects(startEmulator({ region: 'bad region' }), /region/);
    await assert.rejects(startEmulator({ callers: [CALLER, CALLER] }), /twice/);
    await assert.rejects(startEmulator({ faults: { throttle: 2 } }), /between 0 and 1/);
  });
});

describe('command line', () => {
  /** Collects what a stream receives. */
  function sink() {
    const chunks = [];
    const stream = new Writable({ write(chunk, _encoding, done) { chunks.push(chunk); done(); } });
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  }

  test('bad flags: a message on stderr and exit code 2', async () => {
    for (const argv of [['--bogus'], ['--port', 'x'], ['--throttle-rate', '2'], ['--association', 'no-equals'],
      ['--caller', 'ONLYKEY'], ['--force-error', 'NotAnError'], ['--token-file', '/tmp/x'], ['stray']]) {
      const stdout = sink();
      const stderr = sink();
      assert.equal(await runEmulatorCli(argv, { stdout: stdout.stream, stderr: stderr.stream }), 2, argv.join(' '));
      assert.match(stderr.text(), /^eks-auth emulator: .+\nRun 'eks-auth emulator --help' for usage\.\n$/);
      assert.equal(stdout.text(), '');
    }
  });

  test('--help prints usage on stdout, exit 0', async () => {
    const stdout = sink();
    assert.equal(await runEmulatorCli(['--help'], { stdout: stdout.stream, stderr: sink().stream }), 0);
    assert.match(stdout.text(), /^Usage: eks-auth emulator/);
  });

  test('in process: listening line on stderr, stops on abort', async () => {
    const stderr = sink();
    const stop = new AbortController();
    const exit = runEmulatorCli(['--quiet'], { stdout: sink().stream, stderr: stderr.stream, signal: stop.signal });
    while (!stderr.text().includes('"listening"')) await new Promise((resolve) => { setTimeout(resolve, 10); });
    const listening = stderr.text().split('\n').map((line) => line && JSON.parse(line)).find((record) => record?.event === 'listening');
    assert.match(listening.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    stop.abort();
    assert.equal(await exit, 0);
  });

  test('as a process: mints a token to stdout and a 0600 file, serves it, exits 0 on SIGTERM', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'eks-auth-emulator-'));
    try {
      const tokenFile = join(directory, 'token');
      const associationsFile = join(directory, 'associations.json');
      await writeFile(associationsFile, JSON.stringify([{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: ROLE_ARN }]));
      const child = spawn(process.execPath, [MAIN, '--port', '0', '--associations-file', associationsFile,
        '--caller', `${TEMP_CALLER.accessKeyId}:${TEMP_CALLER.secretAccessKey}:${TEMP_CALLER.sessionToken}`,
        '--mint-token', 'default/my-sa/my-pod', '--token-file', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => { stdout += chunk; });
      const exited = new Promise((resolve) => { child.on('exit', (code) => resolve(code)); });
      const listening = await new Promise((resolve, reject) => {
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
          const line = stderr.split('\n').find((text) => text.includes('"event":"listening"'));
          if (line) resolve(JSON.parse(line));
        });
        child.on('exit', () => reject(new Error(`emulator exited early: ${stderr}`)));
      });
      const token = stdout.trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.equal(await readFile(tokenFile, 'utf8'), token);
      assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
      assert.equal(decodeJwt(token)['kubernetes.io'].pod.name, 'my-pod');

      const port = Number(new URL(listening.url).port);
      const response = await sendSigned({ port, region: REGION }, { body: tokenBody(token), credentials: TEMP_CALLER, signingDate: new Date() });
      assert.equal(response.status, 200, response.text);

      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const lines = stderr.trim().split('\n').map((line) => JSON.parse(line));
      assert.ok(lines.some((record) => record.event === 'request' && record.outcome === 'ok'));
      assert.equal(lines.at(-1).event, 'closed');
      for (const secret of [token, TEMP_CALLER.secretAccessKey, TEMP_CALLER.sessionToken, response.json.credentials.sessionToken]) {
        assert.ok(!stderr.includes(secret));
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

test('the Date header follows the emulator clock (clients learn clock skew from it)', () =>
  withEmulator({ region: REGION, callers: [CALLER], now: () => T0 }, async (emulator) => {
    const response = await sendSigned(emulator, { body: tokenBody('a.b.c') });
    assert.equal(response.headers.date, 'Mon, 01 Jan 2024 00:10:00 GMT');
  }));
