// The core through the wasm in Node: the same request and response fixtures as the Rust tests,
// plus the JavaScript API's own contract (input shapes, errors naming the field, no secrets).
import '../../scripts/built.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as core from 'eks-auth-wasm';
import { readLeb, wasmSections } from '../../scripts/build.js';

const load = (name) => JSON.parse(readFileSync(new URL(`../data/eks-auth/${name}`, import.meta.url), 'utf8'));
const requestVectors = load('request-vectors.json');
const extraVectors = load('extra-request-vectors.json');
const responseVectors = load('response-vectors.json');

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

function inputOf(v) {
  const i = v.input;
  return {
    region: i.region,
    clusterName: i.clusterName,
    token: i.token,
    credentials: { accessKeyId: i.accessKeyId, secretAccessKey: i.secretAccessKey, sessionToken: i.sessionToken ?? undefined },
    // epochMillis keeps the sub-second part the core must truncate.
    now: i.time.epochMillis,
    useFips: i.useFips ?? undefined,
    endpoint: i.endpoint ?? undefined,
    eksNodeName: i.eksNodeName ?? undefined,
    instanceId: i.instanceId ?? undefined,
    zone: i.zone ?? undefined,
  };
}

const CLIENT_SPECIFIC = ['user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request', 'content-length'];

for (const v of [...requestVectors.vectors, ...extraVectors.vectors]) {
  test(`request vector ${v.id}: byte-identical to botocore`, () => {
    const request = core.buildAssumeRoleRequest(inputOf(v));
    assert.equal(request.method, v.expected.method);
    assert.equal(request.url, v.expected.url);
    assert.equal(request.body, v.expected.body);
    const expected = Object.fromEntries(
      v.expected.headers.map(([n, val]) => [n.toLowerCase(), val]).filter(([n]) => !CLIENT_SPECIFIC.includes(n)),
    );
    assert.deepEqual(request.headers, expected);
    assert.deepEqual(Object.keys(request.headers), Object.keys(expected), 'header order as botocore');
    assert.equal(request.headers.authorization, v.expected.authorization);
    assert.ok(!('host' in request.headers), 'host is left to fetch');

    const stages = core.signingStages(inputOf(v));
    assert.equal(stages.signature, v.expected.signature);
    assert.equal(stages.stringToSign, v.expected.stringToSign);
    assert.equal(stages.authorization, v.expected.authorization);
    const token = v.input.sessionToken;
    if (token) {
      assert.ok(!stages.canonicalRequest.includes(token), 'session token redacted from the shown canonical request');
      assert.equal(stages.canonicalRequest, v.expected.canonicalRequest.replace(token, '<redacted>'));
    } else {
      assert.equal(stages.canonicalRequest, v.expected.canonicalRequest);
    }
  });
}

test('a 200 read after the wasm memory grew reads as before', () => {
  // The body is copied into the module's memory: a body far larger than it has room for grows it.
  const v = responseVectors.vectors.find((x) => x.botocore.result === 'success');
  const read = () => core.parseAssumeRoleResponse({ status: 200, body: v.response.body });
  const before = read();
  const padded = v.response.body.replace(/^\{/, `{"padding":"${'x'.repeat(8 << 20)}",`);
  assert.deepEqual(core.parseAssumeRoleResponse({ status: 200, body: padded }), before);
  assert.deepEqual(read(), before);
  assert.equal(before.credentials.accessKeyId, v.botocore.parsed.credentials.accessKeyId);
});

test('cold start: no export returns two values, and the module imports only its glue', () => {
  // V8 (Node 20) compiles a wrapper with its optimizing compiler, while the module compiles, for
  // each export signature with two results: the build leaves out `multivalue` (.cargo/config.toml).
  const bytes = readFileSync(new URL('../../pkg/wasm/eks_auth_wasm_bg.wasm', import.meta.url));
  const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => i.module));
  assert.deepEqual([...modules], ['./eks_auth_wasm_bg.js'].filter((m) => modules.has(m)), `imports from ${[...modules]}`);
  let at;
  const leb = () => {
    const [value, next] = readLeb(bytes, at);
    at = next;
    return value;
  };
  const results = []; // per type: how many results
  const functionTypes = [];
  const exported = [];
  let imported = 0;
  for (const { id, payload } of wasmSections(bytes)) {
    at = payload;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        at++; // 0x60: a function type
        const parameters = leb(); // their types follow, a byte each (numbers and vectors)
        at += parameters;
        const count = leb();
        results.push(count);
        at += count;
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        for (let name = 0; name < 2; name++) {
          const length = leb(); // the module's name, then the field's
          at += length;
        }
        const kind = bytes[at++];
        if (kind === 0) {
          imported++;
          leb();
        } else {
          throw new Error(`an import of kind ${kind}: only functions are expected`);
        }
      }
    } else if (id === 3) {
      for (let n = leb(); n > 0; n--) functionTypes.push(leb());
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const length = leb();
        const name = bytes.subarray(at, at + length).toString();
        at += length;
        const kind = bytes[at++];
        const index = leb();
        if (kind === 0) exported.push([name, index]);
      }
    }
  }
  assert.ok(exported.length > 10, 'the exports were read');
  for (const [name, index] of exported) {
    const type = index < imported ? undefined : functionTypes[index - imported];
    assert.ok(results[type] <= 1, `${name} returns ${results[type]} values`);
  }
});

test('readAssumeRoleResponse reads a whole fetch Response', async () => {
  const v = responseVectors.vectors.find((x) => x.id === 'ok-basic');
  const response = new Response(v.response.body, { status: 200, headers: v.response.headers });
  assert.deepEqual(await core.readAssumeRoleResponse(response), core.parseAssumeRoleResponse(v.response));
  const denied = responseVectors.vectors.find((x) => x.id === 'error-AccessDeniedException');
  await assert.rejects(core.readAssumeRoleResponse(new Response(denied.response.body, { status: denied.response.status, headers: denied.response.headers })), (e) => {
    assert.ok(e instanceof core.EksAuthError);
    assert.equal(e.code, 'AccessDeniedException');
    assert.equal(e.requestId, denied.response.headers.find(([n]) => n.toLowerCase() === 'x-amzn-requestid')?.[1]);
    return true;
  });
  await assert.rejects(core.readAssumeRoleResponse({ status: 200 }), { code: 'InvalidInput', field: 'response' });
});

test('absent members are no property, and a result reads back as it was given', () => {
  const result = core.parseAssumeRoleResponse({ status: 200, body: '{"audience":"a","credentials":{"accessKeyId":"A","expiration":null}}' });
  assert.deepEqual(Object.keys(result), ['audience', 'credentials']);
  assert.deepEqual(Object.keys(result.credentials), ['accessKeyId']);
  const claims = core.parseToken('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzIn0.c2ln');
  assert.deepEqual(claims, { subject: 's', audience: [], algorithm: 'RS256' });
});

test('now as a Date gives the same request as epoch milliseconds', () => {
  const v = requestVectors.vectors[0];
  const a = core.buildAssumeRoleRequest(inputOf(v));
  const b = core.buildAssumeRoleRequest({ ...inputOf(v), now: new Date(v.input.time.epochMillis) });
  assert.deepEqual(a, b);
});

for (const v of requestVectors.outsideModelPattern) {
  test(`cluster name outside the model pattern refused: ${v.id}`, () => {
    assert.throws(() => core.buildAssumeRoleRequest(inputOf(v)), (e) => {
      assert.ok(e instanceof core.EksAuthError);
      assert.equal(e.name, 'EksAuthError');
      assert.equal(e.code, 'InvalidInput');
      assert.equal(e.field, 'clusterName');
      return true;
    });
  });
}

const asHeaderShapes = (pairs) => ({
  pairs,
  object: Object.fromEntries(pairs),
  Headers: new Headers(pairs),
});

for (const v of responseVectors.vectors) {
  for (const [shape, headers] of Object.entries(asHeaderShapes(v.response.headers))) {
    test(`response vector ${v.id} (headers as ${shape}) reads as botocore reads it`, () => {
      const body = shape === 'Headers' ? new TextEncoder().encode(v.response.body) : v.response.body;
      const http = { status: v.response.status, headers, body };
      const requestId = v.response.headers.find(([n]) => n.toLowerCase() === 'x-amzn-requestid')?.[1];
      if (v.botocore.result === 'success') {
        const result = core.parseAssumeRoleResponse(http);
        const { expiration, ...restCredentials } = result.credentials;
        const theirs = structuredClone(v.botocore.parsed);
        const theirExpiration = theirs.credentials.expiration;
        delete theirs.credentials.expiration;
        assert.deepEqual({ ...result, credentials: restCredentials }, theirs);
        assert.deepEqual(Object.keys(result), Object.keys(v.botocore.parsed), 'member order as on the wire');
        assert.equal(expiration, theirExpiration.epochSeconds);
        assert.equal(typeof expiration, 'number');
        assert.equal(core.toContainerCredentials(result).Expiration, theirExpiration.iso8601Utc);
        assert.equal(core.toCredentialProcess(result).Expiration, theirExpiration.iso8601Utc);
      } else {
        assert.throws(() => core.parseAssumeRoleResponse(http), (e) => {
          assert.ok(e instanceof core.EksAuthError);
          assert.equal(e.code, v.botocore.errorCode);
          assert.equal(e.message, v.botocore.errorMessage);
          assert.equal(e.status, v.botocore.httpStatusCode);
          assert.equal(e.requestId, requestId);
          assert.equal(e.retryable, v.botocore['attemptsStandardRetryMode(max3)'] > 1);
          assert.equal(e.fault, e.status >= 500 ? 'server' : 'client');
          return true;
        });
      }
    });
  }
}

test('irrecoverable: the agent\'s four, not throttling', () => {
  const byId = Object.fromEntries(responseVectors.vectors.map((v) => [v.id, v]));
  const irrecoverable = (id) => {
    try {
      core.parseAssumeRoleResponse(byId[id].response);
    } catch (e) {
      return e.irrecoverable;
    }
    throw new Error('no error');
  };
  assert.equal(irrecoverable('error-AccessDeniedException'), true);
  assert.equal(irrecoverable('error-InvalidTokenException'), true);
  assert.equal(irrecoverable('error-ResourceNotFoundException'), true);
  assert.equal(irrecoverable('error-type-in-body-__type-only'), true);
  assert.equal(irrecoverable('error-ThrottlingException'), false);
  assert.equal(irrecoverable('error-502-html-no-type'), false);
});

const OK = responseVectors.vectors.find((v) => v.id === 'ok-basic').response;

test('credential formats for SDKs', () => {
  const result = core.parseAssumeRoleResponse(OK);
  assert.deepEqual(core.toContainerCredentials(result), {
    AccessKeyId: 'ASIAEXAMPLEPODCREDS1',
    SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    Token: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN//////////wEaCXVzLXdlc3QtMiJHMEUCIQDexample+/=',
    AccountId: '111122223333',
    Expiration: '2025-11-28T15:00:00Z',
  });
  assert.deepEqual(core.toCredentialProcess(result), {
    Version: 1,
    AccessKeyId: 'ASIAEXAMPLEPODCREDS1',
    SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    SessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN//////////wEaCXVzLXdlc3QtMiJHMEUCIQDexample+/=',
    Expiration: '2025-11-28T15:00:00Z',
  });
  assert.equal(
    core.toShellExports(result),
    'export AWS_ACCESS_KEY_ID=ASIAEXAMPLEPODCREDS1\n' +
      'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' +
      'export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN//////////wEaCXVzLXdlc3QtMiJHMEUCIQDexample+/=\n' +
      'export AWS_CREDENTIAL_EXPIRATION=2025-11-28T15:00:00Z\n',
  );
  assert.throws(() => core.toContainerCredentials({ audience: 'x' }), { code: 'InvalidInput', field: 'credentials' });
  assert.throws(() => core.toCredentialProcess({ credentials: { accessKeyId: 'A' } }), { code: 'InvalidInput', field: 'credentials.secretAccessKey' });
});

test('expiration as integer, fraction, exponent and ISO 8601 string', () => {
  const body = (exp) => JSON.stringify({ credentials: { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', expiration: exp } });
  for (const [raw, seconds] of [[1764342000, 1764342000], [1764342000.5, 1764342000.5], ['1.764342e9', 1764342000], ['"2025-11-28T15:00:00Z"', 1764342000]]) {
    const text = typeof raw === 'string' ? body(0).replace('0}}', `${raw}}}`) : body(raw);
    assert.equal(core.parseAssumeRoleResponse({ status: 200, headers: {}, body: text }).credentials.expiration, seconds, String(raw));
  }
});

test('malformed responses are typed errors, never a crash', () => {
  const cases = [
    ['', 'MalformedResponse'],
    ['not json', 'MalformedResponse'],
    ['{"credentials": {"accessKeyId": "A"', 'MalformedResponse'],
    ['[1,2]', 'MalformedResponse'],
    ['{"audience": 5}', 'MalformedResponse'],
    ['{"credentials": {"expiration": "yesterday"}}', 'MalformedResponse'],
    ['{"credentials": {"expiration": -1}}', 'MalformedResponse'],
    ['{"subject": []}', 'MalformedResponse'],
  ];
  for (const [body, code] of cases) {
    assert.throws(() => core.parseAssumeRoleResponse({ status: 200, headers: [['x-amzn-RequestId', 'r-1']], body }), (e) => {
      assert.equal(e.code, code, body);
      assert.equal(e.status, 200);
      assert.equal(e.requestId, 'r-1');
      return true;
    });
  }
  assert.throws(() => core.parseAssumeRoleResponse({ status: 200, headers: {}, body: new Uint8Array([0xff, 0xfe]) }), { code: 'MalformedResponse' });
  // The module survives all of that.
  assert.equal(core.parseAssumeRoleResponse({ status: 200, headers: {}, body: '{}' }).audience, undefined);
});

const VALID = { region: 'us-west-2', clusterName: 'my-cluster', token: 'a.b.c', credentials: { ...KEY, sessionToken: 'FwoGZXIvYXdzEXAMPLE' }, now: 1700956800000 };

test('malformed input of every field: EksAuthError naming the field', () => {
  const cases = [
    [{ clusterName: undefined }, 'clusterName'],
    [{ clusterName: 42 }, 'clusterName'],
    [{ clusterName: '' }, 'clusterName'],
    [{ clusterName: 'x'.repeat(101) }, 'clusterName'],
    [{ clusterName: 'bad name' }, 'clusterName'],
    [{ token: undefined }, 'token'],
    [{ token: '' }, 'token'],
    [{ token: 'not-a-jwt' }, 'token'],
    [{ token: 'a.b.c ' }, 'token'],
    [{ token: {} }, 'token'],
    [{ region: 'us_east_1' }, 'region'],
    [{ region: 7 }, 'region'],
    [{ credentials: 'AKID' }, 'credentials'],
    [{ credentials: { secretAccessKey: 'S' } }, 'credentials.accessKeyId'],
    [{ credentials: { accessKeyId: '', secretAccessKey: 'S' } }, 'credentials.accessKeyId'],
    [{ credentials: { accessKeyId: 'AK ID', secretAccessKey: 'S' } }, 'credentials.accessKeyId'],
    [{ credentials: { accessKeyId: 'AKID', secretAccessKey: '' } }, 'credentials.secretAccessKey'],
    [{ credentials: { accessKeyId: 'AKID' } }, 'credentials.secretAccessKey'],
    [{ credentials: { ...KEY, sessionToken: 'a\nb' } }, 'credentials.sessionToken'],
    [{ credentials: { ...KEY, sessionToken: 5 } }, 'credentials.sessionToken'],
    [{ now: undefined }, 'now'],
    [{ now: 'yesterday' }, 'now'],
    [{ now: -1 }, 'now'],
    [{ now: Number.NaN }, 'now'],
    [{ now: new Date('invalid') }, 'now'],
    [{ useFips: 'yes' }, 'useFips'],
    [{ endpoint: 'http://example.com' }, 'endpoint'],
    [{ endpoint: 'not a url' }, 'endpoint'],
    [{ endpoint: 5 }, 'endpoint'],
    [{ eksNodeName: '' }, 'eksNodeName'],
    [{ eksNodeName: 1 }, 'eksNodeName'],
    [{ instanceId: '' }, 'instanceId'],
    [{ zone: '' }, 'zone'],
  ];
  for (const [patch, field] of cases) {
    assert.throws(() => core.buildAssumeRoleRequest({ ...VALID, ...patch }), (e) => {
      assert.ok(e instanceof core.EksAuthError, JSON.stringify(patch));
      assert.equal(e.code, 'InvalidInput', JSON.stringify(patch));
      assert.equal(e.field, field, JSON.stringify(patch));
      assert.ok(!e.message.includes('wJalrXUtnFEMI') && !e.message.includes('FwoGZXIvYXdzEXAMPLE'), 'no secret in the message');
      return true;
    });
  }
  assert.throws(() => core.buildAssumeRoleRequest(null), { code: 'InvalidInput', field: 'input' });
  assert.throws(() => core.parseAssumeRoleResponse({ status: 'x', headers: {}, body: '' }), { code: 'InvalidInput', field: 'status' });
  assert.throws(() => core.parseAssumeRoleResponse({ status: 200, headers: 5, body: '' }), { code: 'InvalidInput', field: 'headers' });
  // A 2xx's body is read before its headers: malformed headers are refused all the same.
  for (const headers of [5, [['x-amzn-RequestId']], [['x-amzn-RequestId', {}]], [5], [['a', 'b'], null]]) {
    assert.throws(() => core.parseAssumeRoleResponse({ status: 200, headers, body: '{}' }), { code: 'InvalidInput', field: 'headers' }, JSON.stringify(headers));
  }
  // Well-formed headers of every shape read a 2xx alike (an object, fetch's Headers, pairs); an
  // object with a value that is not text is refused as such pairs are.
  const ok = JSON.stringify({ credentials: { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', expiration: 1764342000 } });
  const bare = core.parseAssumeRoleResponse({ status: 200, body: ok });
  for (const headers of [{ 'x-amzn-requestid': 'r-1', 'content-length': 9 }, new Headers({ 'x-amzn-requestid': 'r-1' }), [['x-amzn-requestid', 'r-1']]]) {
    assert.deepEqual(core.parseAssumeRoleResponse({ status: 200, headers, body: ok }), bare);
  }
  assert.throws(() => core.parseAssumeRoleResponse({ status: 200, headers: { 'x-amzn-requestid': {} }, body: ok }), { code: 'InvalidInput', field: 'headers' });
  assert.throws(() => core.parseAssumeRoleResponse({ status: 200, headers: {}, body: 5 }), { code: 'InvalidInput', field: 'body' });
});

test('configuration errors are the rule set\'s', () => {
  assert.throws(() => core.resolveEndpoint({}), { code: 'InvalidConfiguration', message: 'Invalid Configuration: Missing Region' });
  assert.throws(() => core.resolveEndpoint({ region: 'us-east-1', useFips: true, endpoint: 'https://x.example' }), {
    code: 'InvalidConfiguration',
    message: 'Invalid Configuration: FIPS and custom endpoint are not supported',
  });
  assert.throws(() => core.buildAssumeRoleRequest({ ...VALID, region: undefined }), { code: 'InvalidConfiguration' });
  assert.equal(core.resolveEndpoint({ region: 'cn-northwest-1' }), 'https://eks-auth.cn-northwest-1.api.amazonwebservices.com.cn');
  assert.equal(core.resolveEndpoint({ region: 'us-gov-east-1', useFips: true }), 'https://eks-auth-fips.us-gov-east-1.api.aws');
  assert.equal(core.resolveEndpoint({ endpoint: 'http://127.0.0.1:8080/base/' }), 'http://127.0.0.1:8080/base');
});

test('unsigned request (no credentials): no signature headers, region optional with an endpoint', () => {
  const r = core.buildAssumeRoleRequest({ clusterName: 'c', token: 'a.b.c', endpoint: 'http://127.0.0.1:9', now: 0 });
  assert.deepEqual(r.headers, { 'content-type': 'application/json' });
  assert.equal(core.signingStages({ clusterName: 'c', token: 'a.b.c', endpoint: 'http://127.0.0.1:9', now: 0 }), null);
});

test('secrets never appear in error text', () => {
  const secretToken = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl!';
  try {
    core.buildAssumeRoleRequest({ ...VALID, token: secretToken });
    assert.fail('accepted');
  } catch (e) {
    assert.ok(!String(e.message).includes('c2VjcmV0LXRva2Vu'));
    assert.ok(!JSON.stringify(e).includes('c2VjcmV0LXRva2Vu'));
  }
  const echoed = "The Canonical String for this request should have been\n'POST\n/\n\nx-amz-security-token:FwoGZXIvYXdzEXAMPLE\n'";
  assert.ok(!core.redact(echoed, []).includes('FwoGZXIvYXdzEXAMPLE'));
});

test('retry and clock decisions', () => {
  assert.equal(core.backoffDelay(1, 0.5), 500);
  assert.equal(core.backoffDelay(20, 0.999999), 20000 * 0.999999);
  assert.equal(core.clockSkew({ now: 1704067200000, date: 'Mon, 01 Jan 2024 00:00:30 GMT' }), null);
  assert.equal(core.clockSkew({ now: 1704067200000, date: 'Mon, 01 Jan 2024 00:10:00 GMT' }), 600000);
  const f = core.credentialsFreshness({ now: 0, fetchedAt: 0, expiration: 6 * 3600e3 });
  assert.deepEqual(f, { state: 'fresh', renewAt: 3 * 3600e3 });
  assert.equal(core.credentialsFreshness({ now: 6 * 3600e3 - 15000, fetchedAt: 0, expiration: 6 * 3600e3 }).state, 'expired');
});

test('token claims are read without the token appearing anywhere', () => {
  const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpteS1zYSJ9.c2lnbmF0dXJl';
  const claims = core.parseToken(token);
  assert.equal(claims.subject, 'system:serviceaccount:default:my-sa');
  assert.equal(claims.keyId, 'abc');
  assert.throws(() => core.parseToken('a.b.c'), { code: 'InvalidInput', field: 'token' });
});

test('a failing agent answer for every kind of error', () => {
  const e = new core.EksAuthError('Rate exceeded', { code: 'ThrottlingException', status: 429, requestId: 'r-9', retryable: true });
  assert.deepEqual(core.agentErrorResponse(e), { status: 429, body: '[r-9]: (ThrottlingException): Rate exceeded, fault: client' });
  const net = new core.EksAuthError('could not reach host', { code: 'NetworkError', retryable: true, fault: 'server' });
  assert.deepEqual(core.agentErrorResponse(net), { status: 500, body: '[]: (NetworkError): could not reach host, fault: server' });
  const bad = new core.EksAuthError('invalid token: must be a JWT', { code: 'InvalidInput', field: 'token' });
  assert.equal(core.agentErrorResponse(bad).status, 400);
});

test('any input through the wasm: a value or an EksAuthError, and the instance survives', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const values = [undefined, null, 0, -1, 1e308, NaN, true, '', 'a.b.c', 'my-cluster', 'us-east-1', 'é\u0000\n', {}, [], [['a', 'b']], new Date(NaN), new Uint8Array([0xff]), () => 1, Symbol.iterator, 2n];
  const any = () => values[Math.floor(rand() * values.length)];
  const calls = [
    () => core.buildAssumeRoleRequest({ region: any(), clusterName: any(), token: any(), credentials: rand() < 0.5 ? any() : { accessKeyId: any(), secretAccessKey: any(), sessionToken: any() }, now: any(), endpoint: any(), useFips: any(), eksNodeName: any() }),
    () => core.parseAssumeRoleResponse({ status: any(), headers: any(), body: any() }),
    () => core.parseAssumeRoleResponse(any()),
    () => core.toContainerCredentials(any()),
    () => core.toShellExports({ credentials: { accessKeyId: any(), secretAccessKey: any(), sessionToken: any(), expiration: any() } }),
    () => core.resolveEndpoint(any()),
    () => core.parseToken(any()),
    () => core.clockSkew({ now: any(), date: any(), code: any(), message: any() }),
    () => core.credentialsFreshness({ now: any(), fetchedAt: any(), expiration: any() }),
    () => core.agentErrorResponse(any()),
  ];
  for (let i = 0; i < 3000; i++) {
    try {
      calls[i % calls.length]();
    } catch (e) {
      assert.ok(e instanceof core.EksAuthError, `call ${i % calls.length}: ${e?.name} ${e?.message}`);
    }
  }
  // The instance is alive: a known vector still signs.
  assert.equal(core.buildAssumeRoleRequest(VALID).method, 'POST');
});

test('the machines refuse bad settings with a typed error naming the member', () => {
  const refused = (make, field) => assert.throws(make, (e) => e instanceof core.EksAuthError && e.code === 'InvalidInput' && e.field === field, field);
  refused(() => new core.AgentMachine({ hosts: 5 }), 'config.hosts');
  refused(() => new core.AgentMachine({ hosts: [] }), 'hosts');
  refused(() => new core.AgentMachine({ maxCacheSize: -1 }), 'config.maxCacheSize');
  const client = new core.ExchangeClient();
  refused(() => client.start({ ...VALID }, { maxAttempts: 'three' }), 'config.maxAttempts');
  refused(() => client.start({ ...VALID }, { maxAttempts: 0 }), 'maxAttempts');
  refused(() => client.start({ ...VALID, clusterName: '' }), 'clusterName');
  refused(() => client.handleFailure(1, Date.now(), 1, 'lost'), 'kind');
  const agent = new core.AgentMachine({});
  refused(() => agent.handleRequest(Date.now(), { host: 'x' }), 'request.path');
  refused(() => agent.handleExchangeEnd(Date.now(), 'not-a-key', {}), 'key');
});
