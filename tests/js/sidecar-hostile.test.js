// Hostile clients and a faulty EKS Auth, in a few seconds (the 60 s version is `npm run soak`).
// Each hostile client gets a clear status while a good client keeps getting its own credentials
// at the same time; under upstream faults every answer is either valid credentials with more
// than 15 s left that the emulator issued to the very token that asked, or the agent's error
// answer; retries stay within the client's budget, one call per token at a time; the sidecar
// recovers with EKS Auth. Everything on loopback.
// Run: node --test tests/js/sidecar-hostile.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EksAuthClient } from 'eks-auth-wasm';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { loopbackOnly } from '../../pkg/sidecar/server.js';
import { CREDENTIALS_PATH, runSidecarCli, startSidecar } from '../../pkg/sidecar/index.js';
import { jtiOf, wrongAnswer } from '../../scripts/soak.js';
import { capture, waitForLine } from './support/logs.js';

const REGION = 'us-west-2';
const CLUSTER = 'hostile';
const ASSOCIATIONS = [
  { cluster: CLUSTER, namespace: 'team-a', serviceAccount: 'app-a', roleArn: 'arn:aws:iam::111122223333:role/role-a' },
  { cluster: CLUSTER, namespace: 'team-b', serviceAccount: 'app-b', roleArn: 'arn:aws:iam::444455556666:role/role-b' },
];
/** Short limits so slow clients time out within the test. */
const LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 600 };

const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Emulator + sidecar on loopback; a good client's token and its first credentials. */
async function world(t, { sidecar: sidecarOptions = {}, emulator: emulatorOptions = {}, client: clientOptions } = {}) {
  const emulator = await startEmulator({ associations: ASSOCIATIONS, signingKey: SIGNING_KEY, ...emulatorOptions });
  const logs = [];
  const client = clientOptions ? new EksAuthClient({ region: REGION, endpoint: emulator.endpoint, credentials: DEFAULT_CALLER, ...clientOptions }) : undefined;
  const sidecar = await startSidecar({
    clusterName: CLUSTER,
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: DEFAULT_CALLER,
    client,
    port: 0,
    probePort: 0,
    metricsPort: 0,
    logger: (record) => logs.push(record),
    ...LIMITS,
    ...sidecarOptions,
  });
  t.after(async () => {
    await sidecar.close({ drainTimeoutMs: 1000 });
    await emulator.close();
  });
  const mint = (namespace, serviceAccount, podName) => emulator.mintToken({ namespace, serviceAccount, podName });
  return { emulator, sidecar, logs, mint };
}

/** One GET on its own connection; `{ status, headers, text, ms, sentAt }` (`sentAt` epoch ms). */
function get(port, { token, host, path = CREDENTIALS_PATH, agent = false, headers = {} } = {}) {
  const started = performance.now();
  const sentAt = Date.now();
  return new Promise((resolve, reject) => {
    const all = { ...headers };
    if (token !== undefined) all.authorization = token;
    if (host !== undefined) all.host = host;
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: all, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, ms: performance.now() - started, sentAt }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Raw bytes on one connection: `write(socket)` sends them (and may keep sending); resolves with
 * what came back once the server closes: `{ text, status, closed, ms }`. Every test here expects
 * the close; `waitMs` only turns a server that never closes into a failed assertion, not a hang.
 */
function raw(port, write, { waitMs = 30_000 } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let timer;
    const finish = (closed) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), closed, ms: performance.now() - started });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
    socket.on('connect', () => write(socket));
    timer = setTimeout(() => finish(false), waitMs);
  });
}

/** The good client's requests during one round of an attack, at most (20 ms apart). */
const GOOD_PER_ROUND = 5;

/**
 * Runs `hostile()` `rounds` times while a good client asks for its credentials on fresh
 * connections, from the start of each round until it ends (at most `GOOD_PER_ROUND` times);
 * resolves with each round's result and the good client's answers. A fixed number of requests,
 * not as many as the machine serves in some time: the sidecar's default rate limit (1000/s, a
 * burst of 500) refused the excess with 429 once a fast process sent over ~1000 in 0.5 s.
 */
async function whileServing(w, token, hostile, { rounds: count = 10 } = {}) {
  const answers = [];
  const rounds = [];
  for (let i = 0; i < count; i++) {
    let running = true;
    const good = (async () => {
      for (let n = 0; running && n < GOOD_PER_ROUND; n++) {
        answers.push(await get(w.sidecar.port, { token }));
        await sleep(20);
      }
    })();
    try {
      rounds.push(await hostile());
    } finally {
      running = false;
      await good;
    }
  }
  return { rounds, answers };
}

/** Every answer the good client got during the attack (one a round at least): its own credentials. */
function assertServed(answers, expected, rounds) {
  assert.ok(answers.length >= rounds.length, `the good client made only ${answers.length} requests in ${rounds.length} rounds`);
  for (const answer of answers) {
    assert.equal(answer.status, 200, answer.text);
    assert.equal(JSON.parse(answer.text).AccessKeyId, expected.AccessKeyId);
  }
}

async function goodClient(w) {
  const token = await w.mint('team-a', 'app-a', 'good-pod');
  const first = await get(w.sidecar.port, { token });
  assert.equal(first.status, 200, first.text);
  return { token, credentials: JSON.parse(first.text) };
}

describe('hostile clients: a clear status each, and the good client keeps being served', () => {
  test('binds only loopback unless told otherwise, and names every bound address at start', async (t) => {
    const emulator = await startEmulator({ associations: ASSOCIATIONS, signingKey: SIGNING_KEY });
    t.after(() => emulator.close());
    const run = async (extra) => {
      const { stream, text } = capture();
      const stop = new AbortController();
      const running = runSidecarCli([
        '--cluster-name', CLUSTER, '--region', REGION, '--endpoint', emulator.endpoint,
        '--port', '0', '--probe-port', '0', '--metrics-port', '0', ...extra,
      ], { env: {}, stderr: stream, credentials: DEFAULT_CALLER, signal: stop.signal });
      const line = await waitForLine(text, (r) => r.msg === 'listening');
      stop.abort();
      assert.equal(await running, 0);
      return line;
    };

    // Defaults: credentials, probes and metrics all on 127.0.0.1, and the line says so.
    const line = await run([]);
    assert.equal(line.level, 'info');
    assert.equal(line.loopbackOnly, true);
    assert.equal(line.addresses.credentials.length, 1);
    for (const address of [...line.addresses.credentials, line.addresses.probes, line.addresses.metrics]) {
      assert.match(address, /^127\.0\.0\.1:\d+$/);
    }
    assert.equal(line.url, `http://${line.addresses.credentials[0]}${CREDENTIALS_PATH}`);

    // Told otherwise: the line is a warning naming the wildcard address.
    const wide = await run(['--metrics-address', '0.0.0.0']);
    assert.equal(wide.level, 'warn');
    assert.equal(wide.loopbackOnly, false);
    assert.match(wide.addresses.metrics, /^0\.0\.0\.0:\d+$/);
    assert.match(wide.note, /beyond loopback/);

    assert.equal(loopbackOnly(['127.0.0.1', '::1', '[::1]', 'localhost', '127.0.0.2']), true);
    for (const host of ['0.0.0.0', '::', '169.254.170.23', 'fd00:ec2::23', '10.0.0.1']) assert.equal(loopbackOnly(['127.0.0.1', host]), false, host);
  });

  test('oversized headers: 431, connection closed', async (t) => {
    const w = await world(t);
    const good = await goodClient(w);
    const { rounds, answers } = await whileServing(w, good.token, () => raw(w.sidecar.port,
      (s) => s.write(`GET ${CREDENTIALS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${good.token}\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`)));
    for (const r of rounds) {
      assert.equal(r.status, 431, r.text);
      assert.ok(r.closed);
      assert.ok(!r.text.includes(good.token));
    }
    assertServed(answers, good.credentials, rounds);
    assert.ok(w.logs.some((l) => l.msg === 'client error' && l.code === 'HPE_HEADER_OVERFLOW' && l.status === 431));
    assert.ok(!JSON.stringify(w.logs).includes(good.token), 'a token reached the logs');
  });

  test('bodies: a small one is ignored (any method, as the agent), a large one 413, an endless one cut', async (t) => {
    const w = await world(t);
    const good = await goodClient(w);
    const { rounds, answers } = await whileServing(w, good.token, async () => {
      const head = (extra) => `POST ${CREDENTIALS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${good.token}\r\n${extra}\r\n`;
      const small = await raw(w.sidecar.port, (s) => s.end(`${head('Content-Length: 11\r\nConnection: close\r\n')}hello world`));
      const declared = await raw(w.sidecar.port, (s) => s.write(head(`Content-Length: ${64 * 1024 * 1024}\r\n`)));
      // Chunked, never ending: written until the server cuts the connection.
      const endless = await raw(w.sidecar.port, (s) => {
        s.write(head('Transfer-Encoding: chunked\r\n'));
        const chunk = `4000\r\n${'x'.repeat(0x4000)}\r\n`;
        const pump = () => {
          while (!s.destroyed && s.write(chunk));
          if (!s.destroyed) s.once('drain', pump);
        };
        pump();
      });
      return { small, declared, endless };
    });
    for (const result of rounds) {
      assert.equal(result.small.status, 200, result.small.text);
      assert.equal(result.declared.status, 413, result.declared.text);
      assert.ok(result.declared.closed);
      assert.ok(result.endless.closed, 'an endless body is cut off');
    }
    assertServed(answers, good.credentials, rounds);
  });

  test('slow clients: headers not done within headersTimeoutMs → 408 and closed; silent connections too', async (t) => {
    const w = await world(t);
    const good = await goodClient(w);
    const { rounds, answers } = await whileServing(w, good.token, async () => Promise.all([
      // Slowloris: a header line every 50 ms, forever.
      raw(w.sidecar.port, (s) => {
        s.write(`GET ${CREDENTIALS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
        const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('X-Slow: 1\r\n')), 50);
        s.on('close', () => clearInterval(timer));
      }),
      // Connects and says nothing.
      raw(w.sidecar.port, () => {}),
      // Headers done, the declared body never comes: the answer goes out, the connection does not stay.
      raw(w.sidecar.port, (s) => s.write(`POST ${CREDENTIALS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${good.token}\r\nContent-Length: 100\r\n\r\nab`)),
    ]), { rounds: 1 });
    const [slowloris, silent, slowBody] = rounds[0];
    // Cut, and not before the limit (the server's timer: it may fire late on a busy machine, not early).
    for (const r of [slowloris, silent]) {
      assert.equal(r.status, 408, r.text);
      assert.ok(r.closed);
      assert.ok(r.ms >= LIMITS.headersTimeoutMs, `${r.ms} ms`);
    }
    assert.equal(slowBody.status, 200);
    assert.ok(slowBody.closed);
    assertServed(answers, good.credentials, rounds);
    assert.ok(w.logs.some((l) => l.msg === 'client error' && l.code === 'ERR_HTTP_REQUEST_TIMEOUT' && l.status === 408));
  });

  test('wrong Host (DNS rebinding), two Hosts, no Host: 403, 400, 400', async (t) => {
    const w = await world(t);
    const good = await goodClient(w);
    const { rounds, answers } = await whileServing(w, good.token, async () => {
      const out = [];
      for (const host of ['evil.example', `evil.example:${w.sidecar.port}`, '127.0.0.1.nip.io', 'localhost.evil.example', '169.254.169.254', 'x'.repeat(4000)]) {
        out.push({ host, ...(await get(w.sidecar.port, { token: good.token, host })) });
      }
      const twoHosts = await raw(w.sidecar.port, (s) => s.write(`GET ${CREDENTIALS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nAuthorization: ${good.token}\r\n\r\n`));
      const noHost = await raw(w.sidecar.port, (s) => s.write(`GET ${CREDENTIALS_PATH} HTTP/1.1\r\nAuthorization: ${good.token}\r\n\r\n`));
      // HTTP/1.0 needs no Host: the address it reached is the Host.
      const http10 = await raw(w.sidecar.port, (s) => s.write(`GET ${CREDENTIALS_PATH} HTTP/1.0\r\nAuthorization: ${good.token}\r\n\r\n`));
      return { out, twoHosts, noHost, http10 };
    });
    for (const result of rounds) {
      for (const r of result.out) {
        assert.equal(r.status, 403, r.host.slice(0, 40));
        assert.match(r.text, /^Access Denied\. /);
        assert.ok(r.text.length < 600, 'a long Host is not echoed whole');
        assert.ok(!r.text.includes(good.token));
      }
      assert.equal(result.twoHosts.status, 400, result.twoHosts.text);
      assert.match(result.twoHosts.text, /too many Host headers/);
      assert.equal(result.noHost.status, 400, result.noHost.text);
      assert.match(result.http10.text, /^HTTP\/1\.1 200 /);
    }
    assertServed(answers, good.credentials, rounds);
    assert.ok(!JSON.stringify(w.logs).includes(good.token), 'a token reached the logs');
  });

  test('missing, malformed and absurd tokens: 400 with the agent\'s body, no upstream call', async (t) => {
    const w = await world(t);
    const good = await goodClient(w);
    const before = w.emulator.stats.received;
    const forged = `${good.token.split('.').slice(0, 2).join('.')}.forged`; // parses, but EKS Auth refuses it
    const { rounds, answers } = await whileServing(w, good.token, async () => {
      const out = [];
      for (const token of [undefined, '', ' ', 'Bearer abc', 'a.b', 'a..c', '...', 'x'.repeat(8000), `${good.token}\u00ff`, good.token.slice(0, -1).replace(/\./g, '')]) {
        out.push(await get(w.sidecar.port, { token }));
      }
      // Raw bytes no client library would send.
      out.push(await raw(w.sidecar.port, (s) => s.write(Buffer.concat([
        Buffer.from(`GET ${CREDENTIALS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: `), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]))));
      return out;
    });
    for (const r of rounds.flat()) {
      const status = r.status;
      const text = r.text.includes('\r\n\r\n') ? r.text.split('\r\n\r\n')[1] : r.text;
      assert.equal(status, 400, text);
      assert.match(text, /^\[\]: \(InvalidInput\): invalid token: .*, fault: client\n$/);
    }
    assert.equal(w.emulator.stats.received, before, 'nothing unparsable goes upstream');
    // A token that parses but EKS Auth refuses: the service's 400, once per token.
    const refused = await get(w.sidecar.port, { token: forged });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /^\[[0-9a-f-]{36}\]: \(InvalidTokenException\): .*, fault: client\n$/);
    assertServed(answers, good.credentials, rounds);
  });

  test('malformed HTTP: 400, connection closed', async (t) => {
    const w = await world(t);
    const good = await goodClient(w);
    const { rounds, answers } = await whileServing(w, good.token, async () => Promise.all([
      raw(w.sidecar.port, (s) => s.write('GARBAGE\r\n\r\n')),
      raw(w.sidecar.port, (s) => s.write(`GET ${CREDENTIALS_PATH} HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n`)),
      raw(w.sidecar.port, (s) => s.write(`GET ${CREDENTIALS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`)),
      raw(w.sidecar.port, (s) => s.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]))), // a TLS ClientHello
    ]));
    for (const r of rounds.flat()) {
      assert.equal(r.status, 400, r.text);
      assert.ok(r.closed);
    }
    assertServed(answers, good.credentials, rounds);
  });

  test('a flood beyond the rate limit: 429 as the agent, one warning, and the good client still gets through', async (t) => {
    // The limit is one bucket for everyone, as the agent's: a flood takes its share of it, and
    // the good client, asking as an SDK does (again on 429), gets its turns. The sidecar's clock
    // moves only when the test moves it, so what the bucket allows is exact on any machine; an
    // answer that waited for the bucket to refill would never come.
    const rateLimit = 200;
    const burst = 100;
    const clock = { t: Date.now(), now: () => clock.t };
    const w = await world(t, { sidecar: { rateLimit, burst, now: clock.now } });
    const good = await goodClient(w);
    const flooder = await w.mint('team-b', 'app-b', 'flooding-pod');
    await get(w.sidecar.port, { token: flooder });
    clock.t += 1000; // the bucket is full again

    // 2 s of flood at twice the limit: each 100 ms step, 40 requests over 16 kept-alive
    // connections and the good client's one at the same time.
    const steps = 20;
    const stepMs = 100;
    const perStep = 40;
    const statuses = new Map();
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    t.after(() => agent.destroy());
    const answers = [];
    for (let step = 0; step < steps; step++) {
      if (step > 0) clock.t += stepMs;
      const [flood, answer] = await Promise.all([
        Promise.all(Array.from({ length: perStep }, () => get(w.sidecar.port, { token: flooder, agent }))),
        get(w.sidecar.port, { token: good.token }),
      ]);
      for (const r of flood) {
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 429) assert.equal(r.text, 'Too Many Requests\n');
      }
      answers.push(answer);
    }

    // The flood: 200 up to the limit, 429 past it, nothing else; the burst and the refill of
    // 1.9 s served, to the flood and the good client together.
    assert.deepEqual([...statuses.keys()].sort(), [200, 429]);
    const served = statuses.get(200) + answers.filter((a) => a.status === 200).length;
    assert.equal(served, burst + (rateLimit * (steps - 1) * stepMs) / 1000);
    assert.equal(statuses.get(429) + answers.filter((a) => a.status === 429).length, steps * (perStep + 1) - served);
    // The good client: a clear answer every time, its own credentials when served; the first
    // steps are within the burst, so it is served during the flood.
    for (const a of answers) {
      assert.ok(a.status === 200 || (a.status === 429 && a.text === 'Too Many Requests\n'), a.text);
      if (a.status === 200) assert.equal(JSON.parse(a.text).AccessKeyId, good.credentials.AccessKeyId);
    }
    assert.equal(answers[0].status, 200, 'the good client was served during the flood');
    const warnings = w.logs.filter((l) => l.msg === 'rate limit exceeded: answering 429' && l.level !== 'debug');
    assert.equal(warnings.length, 1, 'one warning line for the whole flood');
    assert.equal(warnings[0].level, 'warn');

    // The flood is over: served once a token is back (5 ms at 200/s).
    clock.t += 5;
    assert.equal((await get(w.sidecar.port, { token: good.token })).status, 200);
  });
});

describe('EKS Auth faults: only right answers, retries within budget, recovery', () => {
  test('throttling, 500, 503, latency beyond the timeout, dropped connections, garbage: a few seconds of concurrent clients', async (t) => {
    const maxAttempts = 3;
    const timeoutMs = 200;
    const attempts = []; // { token, attempt } per upstream request
    const inFlight = new Map(); // token → upstream requests at once
    let overlap = 0;
    const emulatorFaults = { throttle: 0.1, error500: 0.1, error503: 0.1, drop: 0.05, garbage: 0.05, latencyMs: 400, latencyRate: 0.1 };
    const w = await world(t, {
      // 17 s credentials: the core expires them 15 s before the end, so each is served 2 s,
      // then must be fetched anew, under the same faults. Fault draws from a seeded generator.
      emulator: { faults: emulatorFaults, credentialsLifetimeSeconds: 17, random: seeded(8) },
      sidecar: { rateLimit: 0, answerWithinMs: 900 },
      client: {
        maxAttempts,
        timeoutMs,
        fetch: async (url, init) => {
          const token = JSON.parse(init.body).token;
          const n = (inFlight.get(token) ?? 0) + 1;
          inFlight.set(token, n);
          if (n > 1) overlap += 1;
          try {
            return await fetch(url, init);
          } finally {
            inFlight.set(token, inFlight.get(token) - 1);
          }
        },
        onEvent: (event) => {
          if (event.type === 'request') attempts.push(event.attempt);
        },
      },
    });
    const pods = await Promise.all(Array.from({ length: 24 }, (_, i) => w.mint(i % 2 ? 'team-a' : 'team-b', i % 2 ? 'app-a' : 'app-b', `pod-${i}`)));
    const tokenIds = new Map(pods.map((token) => [token, jtiOf(token)]));
    const tally = new Map();
    const wrong = [];

    const check = (token, answer) => {
      const key = answer.status === 200 ? 200 : `${answer.status}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      const problem = wrongAnswer(w.emulator, tokenIds.get(token), answer);
      if (problem) wrong.push(problem);
    };
    const hammer = async (ms) => {
      const until = performance.now() + ms;
      await Promise.all(Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; performance.now() < until; i += 8) {
          const token = pods[(i * 7) % pods.length];
          check(token, await get(w.sidecar.port, { token }));
        }
      }));
    };

    await hammer(4000);
    const outcomes = w.emulator.stats.outcomes;
    for (const fault of ['ThrottlingException', 'InternalServerException', 'ServiceUnavailableException', 'drop', 'garbage', 'ok']) {
      assert.ok(outcomes[fault] > 0, `the emulator never answered ${fault}: ${JSON.stringify(outcomes)}`);
    }
    assert.ok(w.emulator.stats.delayed > 0, 'no call was delayed beyond the timeout');

    // EKS Auth recovers; so does the sidecar, for every pod, within a second or two.
    w.emulator.setFaults({ throttle: 0, error500: 0, error503: 0, drop: 0, garbage: 0, latencyMs: 0 });
    await w.sidecar.handler.idle();
    const recovered = await Promise.all(pods.map(async (token) => {
      for (let i = 0; i < 20; i++) {
        const answer = await get(w.sidecar.port, { token });
        check(token, answer);
        if (answer.status === 200) return true;
        await sleep(100);
      }
      return false;
    }));
    assert.deepEqual(recovered, pods.map(() => true), 'every pod gets credentials once EKS Auth is back');
    await hammer(500);

    assert.deepEqual(wrong, [], `wrong answers: ${wrong.slice(0, 3).join('; ')}`);
    assert.ok(tally.get(200) > 50, `too few served: ${JSON.stringify([...tally])}`);
    assert.ok([...tally.keys()].some((k) => k !== 200), 'faults reached the SDKs as error statuses');
    // Retries within budget: no call beyond maxAttempts, at most maxAttempts − 1 retries a call,
    // and never two calls for one token at once.
    await w.sidecar.handler.idle();
    const calls = attempts.filter((a) => a === 1).length;
    assert.ok(Math.max(...attempts) <= maxAttempts);
    assert.ok(attempts.length - calls <= calls * (maxAttempts - 1));
    assert.equal(overlap, 0, 'two upstream calls for one token at once');
    // The emulator saw no request the client did not count (no hidden retries); a request on a
    // connection the emulator had just dropped may fail before it arrives.
    assert.ok(w.emulator.stats.received <= attempts.length, `${w.emulator.stats.received} > ${attempts.length}`);
    assert.ok(w.emulator.stats.received >= 0.9 * attempts.length);
  });
});

/** A small seeded PRNG (mulberry32) in [0, 1). */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}


