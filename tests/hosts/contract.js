// The EKS Pod Identity Agent's contract as every host serves it through the one host-neutral handler
// (`eks-auth-wasm/handler`): the Cloudflare Worker (tests/js/deploy.test.js) and the Bun, Deno and
// Vercel examples (tests/js/hosts.test.js) are each held to this same list, against the emulator.
// Node-only (tests run it; the hosts do not).
import assert from 'node:assert/strict';

/** The agent's 400 bodies (issue 20 point 3: word for word, then our own reason after the parse prefix). */
export const AGENT_TEXTS = Object.freeze({
  empty: 'Service account token cannot be empty\n',
  parsePrefix: 'Service account token cannot be parsed: ',
  expired: 'Service account token failed basic claim validations: token is expired\n',
  notFound: '404 page not found\n',
});

/**
 * Tokens for the contract, minted by `emulator` for its association (`namespace`, `serviceAccount`)
 * and by a stranger emulator (another issuer, which EKS Auth refuses).
 */
export async function contractTokens(emulator, { namespace, serviceAccount }, startEmulator) {
  const stranger = await startEmulator({ region: emulator.region });
  try {
    return {
      valid: await emulator.mintToken({ namespace, serviceAccount }),
      // Lived one hour, two hours ago.
      expired: await emulator.mintToken({ namespace, serviceAccount, lifetimeSeconds: 3600, now: Date.now() - 2 * 3600_000 }),
      foreign: await stranger.mintToken({ namespace, serviceAccount }),
    };
  } finally {
    await stranger.close();
  }
}

/**
 * Holds a host to the agent's contract. `ask(token, { path, host })` sends one request to the
 * host (`token` undefined: no `Authorization`; `path` default `/v1/credentials`; `host` a
 * `Host` the host was not configured for, when given) and resolves to `{ status, headers, body }`.
 * `foreignHost`: whether `ask` can present a foreign `Host` (403 expected).
 * Returns the 200's credentials.
 */
export async function assertAgentContract(ask, { emulator, tokens, label, foreignHost = true }) {
  const calls = () => emulator.stats.received;
  const noCall = async (what, request) => {
    const before = calls();
    const answer = await request();
    assert.equal(calls(), before, `${label}: no call to EKS Auth for ${what}`);
    assert.equal(answer.headers.get('cache-control'), 'no-store', `${label}: ${what} not to be kept by a cache`);
    return answer;
  };

  // 200: the agent's JSON, from one call to EKS Auth.
  let before = calls();
  const ok = await ask(tokens.valid);
  assert.equal(ok.status, 200, `${label}: ${ok.body}`);
  assert.equal(calls(), before + 1, `${label}: one call to EKS Auth`);
  assert.equal(ok.headers.get('content-type'), 'application/json', label);
  assert.equal(ok.headers.get('cache-control'), 'no-store', label);
  const credentials = JSON.parse(ok.body);
  assert.deepEqual(Object.keys(credentials), ['AccessKeyId', 'SecretAccessKey', 'Token', 'AccountId', 'Expiration'], `${label}: ${ok.body}`);
  assert.match(credentials.AccessKeyId, /^ASIA/);
  assert.equal(credentials.AccountId, '111122223333');
  assert.match(credentials.Expiration, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.ok(Date.parse(credentials.Expiration) > Date.now(), `${label}: fresh credentials`);

  // The same token again: the cached answer, no second call.
  const again = await noCall('a cached token', () => ask(tokens.valid));
  assert.equal(again.status, 200, label);
  assert.equal(again.body, ok.body, `${label}: the cached credentials`);

  // 400s written by the machine, before any call: the agent's texts.
  const empty = await noCall('no token', () => ask(undefined));
  assert.deepEqual([empty.status, empty.body], [400, AGENT_TEXTS.empty], label);
  const garbled = await noCall('a token that is not a JWT', () => ask('not-a-token'));
  assert.equal(garbled.status, 400, label);
  assert.ok(garbled.body.startsWith(AGENT_TEXTS.parsePrefix) && garbled.body.endsWith('\n'), `${label}: ${garbled.body}`);
  const expired = await noCall('an expired token', () => ask(tokens.expired));
  assert.deepEqual([expired.status, expired.body], [400, AGENT_TEXTS.expired], label);

  // EKS Auth's 400 for a token its issuer did not sign, passed through.
  before = calls();
  const refused = await ask(tokens.foreign);
  assert.equal(refused.status, 400, `${label}: ${refused.body}`);
  assert.match(refused.body, /^\[[^\]]+\]: \(InvalidTokenException\): .+, fault: client\n$/, label);
  assert.equal(calls(), before + 1, `${label}: one call (InvalidTokenException is not retried)`);

  // 404 for another path; 403 for a `Host` not served (DNS rebinding).
  const missing = await noCall('another path', () => ask(tokens.valid, { path: '/v1/other' }));
  assert.deepEqual([missing.status, missing.body], [404, AGENT_TEXTS.notFound], label);
  if (foreignHost) {
    const rebound = await noCall('a foreign Host', () => ask(tokens.valid, { host: 'attacker.example' }));
    assert.equal(rebound.status, 403, `${label}: ${rebound.body}`);
    assert.match(rebound.body, /^Access Denied\. Called agent through invalid address, please use either \[.+\] address not attacker\.example\n$/, label);
  }
  return credentials;
}
