// The same fixtures in every host: run by workerd, Deno, Bun and Chromium through the package
// entry that host resolves. Host-agnostic (no Node APIs): returns the failures, empty when all pass.

const CLIENT_SPECIFIC = ['user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request', 'content-length'];

function inputOf(v) {
  const i = v.input;
  const opt = (x) => x ?? undefined;
  return {
    region: i.region,
    clusterName: i.clusterName,
    token: i.token,
    credentials: { accessKeyId: i.accessKeyId, secretAccessKey: i.secretAccessKey, sessionToken: opt(i.sessionToken) },
    now: i.time.epochMillis,
    useFips: opt(i.useFips),
    endpoint: opt(i.endpoint),
    eksNodeName: opt(i.eksNodeName),
    instanceId: opt(i.instanceId),
    zone: opt(i.zone),
  };
}

/**
 * @param {object} api the package namespace as the host imported it (after `await init()`)
 * @param {{ requests: object[], outsidePattern: object[], responses: object[], vector?: object }} fixtures
 * @returns {{ checked: number, failures: string[], authorization?: string }} `authorization`: the
 *   Authorization header this host signs for `fixtures.vector` (one botocore vector, compared across hosts)
 */
export function runConformance(api, fixtures) {
  const failures = [];
  let checked = 0;
  const check = (id, ok, detail) => {
    checked++;
    if (!ok) failures.push(`${id}: ${detail}`);
  };
  for (const v of fixtures.requests) {
    try {
      const r = api.buildAssumeRoleRequest(inputOf(v));
      check(v.id, r.url === v.expected.url, `url ${r.url}`);
      check(v.id, r.body === v.expected.body, `body ${r.body}`);
      const expected = v.expected.headers.map(([n, val]) => [n.toLowerCase(), val]).filter(([n]) => !CLIENT_SPECIFIC.includes(n));
      check(v.id, JSON.stringify(Object.entries(r.headers)) === JSON.stringify(expected), `headers ${JSON.stringify(r.headers)}`);
      check(v.id, api.signingStages(inputOf(v)).signature === v.expected.signature, 'stage signature');
    } catch (e) {
      check(v.id, false, `threw ${e?.code ?? ''} ${e?.message}`);
    }
  }
  for (const v of fixtures.outsidePattern) {
    try {
      api.buildAssumeRoleRequest(inputOf(v));
      check(v.id, false, 'accepted a cluster name outside the model pattern');
    } catch (e) {
      check(v.id, e instanceof api.EksAuthError && e.code === 'InvalidInput' && e.field === 'clusterName', `${e?.name} ${e?.code} ${e?.field}`);
    }
  }
  for (const v of fixtures.responses) {
    const response = { status: v.response.status, headers: v.response.headers, body: v.response.body };
    const b = v.botocore;
    try {
      const result = api.parseAssumeRoleResponse(response);
      check(v.id, b.result === 'success', 'parsed an error response');
      if (b.result === 'success') {
        check(v.id, result.credentials.expiration === b.parsed.credentials.expiration.epochSeconds, 'expiration');
        check(v.id, api.toContainerCredentials(result).Expiration === b.parsed.credentials.expiration.iso8601Utc, 'RFC 3339');
        check(v.id, result.credentials.accessKeyId === b.parsed.credentials.accessKeyId, 'accessKeyId');
        check(v.id, JSON.stringify(Object.keys(result)) === JSON.stringify(Object.keys(b.parsed)), 'member order');
      }
    } catch (e) {
      check(v.id, b.result === 'error', `threw ${e?.message}`);
      if (b.result === 'error') {
        check(v.id, e instanceof api.EksAuthError, `not an EksAuthError: ${e?.name}`);
        check(v.id, e.code === b.errorCode && e.message === b.errorMessage && e.status === b.httpStatusCode, `${e.code} ${e.message} ${e.status}`);
        check(v.id, e.retryable === b['attemptsStandardRetryMode(max3)'] > 1, 'retryable');
      }
    }
  }
  try {
    api.buildAssumeRoleRequest({ region: 'us-east-1', clusterName: 'c', token: 'not-a-token', now: 0 });
    check('invalid-token', false, 'accepted');
  } catch (e) {
    check('invalid-token', e.code === 'InvalidInput' && e.field === 'token', `${e.code} ${e.field}`);
  }
  if (!fixtures.vector) return { checked, failures };
  let authorization;
  try {
    authorization = api.buildAssumeRoleRequest(fixtures.vector).headers.authorization;
  } catch (e) {
    failures.push(`vector: threw ${e?.code ?? ''} ${e?.message}`);
  }
  return { checked, failures, authorization };
}

/** The fixture subset hosts receive, from the vector files' contents. */
export function fixturesFrom(requestVectors, extraVectors, responseVectors) {
  return {
    requests: [...requestVectors.vectors, ...extraVectors.vectors],
    outsidePattern: requestVectors.outsideModelPattern,
    responses: responseVectors.vectors,
  };
}
