// The CLI commands end to end: `assume-role-for-pod-identity` option by option against the local
// emulator (and, where a fixed answer is needed, a recording stub answering the AWS CLI captures'
// responses), `credential-process` read by botocore, `env`, exit codes, the real bin in a child
// process and on a terminal. Loopback only; retries never sleep.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// Nothing from the developer's environment may stand in for the credentials a test gives.
for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
  delete process.env[name];
}

import '../../scripts/built.js';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { release, tmpdir, type } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { signingStages } from 'eks-auth-wasm';
import { runCli, splitGlobalOptions, versionLine } from '../../pkg/cli/command.js';
import { DEFAULT_TIMEOUT_SECONDS, connectionOptions, timeoutMs } from '../../pkg/cli/http.js';
import { commandHelp, formatCommandHelp } from '../../pkg/cli/help.js';
import { generateSkeleton } from '../../pkg/cli/skeleton.js';
import { PYTHON } from '../../scripts/setup.js';

const readFixture = (name) => JSON.parse(readFileSync(new URL(`../data/eks-auth/${name}`, import.meta.url), 'utf8'));
const CAPTURE = readFixture('cli-capture.json');
const FORMATS = readFixture('cli-formats.json');
const BIN = fileURLToPath(new URL('../../pkg/bin/eks-auth.js', import.meta.url));
const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

const REGION = 'us-west-2'; // the region of the captures
const CLUSTER = 'my-cluster';
/** A caller with a session token, to check it never shows. */
const SESSION_CALLER = {
  accessKeyId: 'ASIAEXAMPLECLICALLER',
  secretAccessKey: 'cliCallerSecretKeyExample0000000000000000',
  sessionToken: 'FwoGZXIvYXdzEXAMPLECLISESSIONTOKENVALUE//==',
};
const noSleep = async () => {};
/** Emulator latency for an answer that never comes within a test (close() ends the wait). */
const NEVER_MS = 3_600_000;
/** Resolves once `condition()` holds, checking every 10 ms. */
async function until(condition) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

let emu;
let token;
let tmp;
let BASE_ENV;
/** The options every emulator run needs. */
let target;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'eks-auth-cli-'));
  emu = await startEmulator({
    port: 0,
    region: REGION,
    callers: [DEFAULT_CALLER, SESSION_CALLER],
    associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'my-sa', roleArn: 'arn:aws:iam::111122223333:role/my-pod-role' }],
  });
  token = await emu.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'my-pod' });
  writeFileSync(join(tmp, 'token'), token);
  BASE_ENV = {
    AWS_ACCESS_KEY_ID: DEFAULT_CALLER.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEFAULT_CALLER.secretAccessKey,
    AWS_CONFIG_FILE: join(tmp, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-credentials'),
    HOME: tmp,
    TZ: 'UTC',
  };
  target = ['--cluster-name', CLUSTER, '--token', token, '--region', REGION, '--endpoint-url', emu.endpoint];
});

after(async () => {
  await emu?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// setFaults merges: name every fault to turn it off.
const clearFaults = () => emu.setFaults({ throttle: 0, error500: 0, error503: 0, drop: 0, garbage: 0, latencyMs: 0, errors: {} });

/** A writable that keeps what it gets and can wait for a text to appear. */
function capture({ isTTY = false, columns } = {}) {
  let text = '';
  const waiters = [];
  return {
    isTTY,
    columns,
    write(chunk) {
      text += chunk;
      for (const w of [...waiters]) {
        if (text.includes(w.needle)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      return true;
    },
    get text() {
      return text;
    },
    waitFor(needle) {
      return text.includes(needle) ? Promise.resolve() : new Promise((resolve) => waiters.push({ needle, resolve }));
    },
  };
}

/** Runs a command in-process. `env` entries set to undefined remove the base ones. */
async function cli(argv, { command = 'assume-role-for-pod-identity', env = {}, stdin, stdout, stderr, ...rest } = {}) {
  const out = stdout ?? capture();
  const err = stderr ?? capture();
  const code = await runCli(command, argv, {
    env: { ...BASE_ENV, ...env },
    stdin: stdin ?? new PassThrough(),
    stdout: out,
    stderr: err,
    sleep: noSleep,
    random: () => 0.5,
    ...rest,
  });
  return { code, stdout: out.text, stderr: err.text };
}

/**
 * An HTTP server on loopback that records each request and answers `answer(n)` (n from 1): what a
 * fixed-output test needs, since the emulator mints fresh credentials per call.
 */
async function startStub(answer) {
  const requests = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const { status, headers = [], body: out = '' } = answer(requests.length);
    res.writeHead(status, Object.fromEntries(headers));
    res.end(out);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

const FORMATS_ANSWER = () => ({ status: 200, headers: [['Content-Type', 'application/json']], body: JSON.stringify(FORMATS.response) });
const scopeRegion = (authorization) => authorization.match(/Credential=[^/]+\/\d{8}\/([^/]+)\//)?.[1];

// --- output formats, byte for byte -------------------------------------------------------------

describe('output of every format and --query kind (fixed response)', () => {
  let stub;
  before(async () => {
    stub = await startStub(FORMATS_ANSWER);
  });
  after(() => stub.close());
  const at = () => ['--region', REGION, '--endpoint-url', stub.url];

  for (const c of FORMATS.cases.filter((x) => x.exitCode === 0 && !x.args.includes('--generate-cli-skeleton'))) {
    test(`the real AWS CLI's ${c.name} output`, async () => {
      const r = await cli([...c.args, ...at()]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, c.stdout);
      assert.equal(r.stderr, '');
    });
  }

  test('yaml and yaml-stream of the whole response', async () => {
    const yaml = [
      'assumedRoleUser:',
      '  arn: arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c',
      '  assumeRoleId: AROAEXAMPLEROLEID1234:eks-my-cluster-my-pod-6f1e1b2c',
      'audience: pods.eks.amazonaws.com',
      'credentials:',
      '  accessKeyId: ASIAEXAMPLEPODCREDS1',
      "  expiration: '2025-11-28T15:00:00.250000+00:00'",
      '  secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      '  sessionToken: IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN',
      'podIdentityAssociation:',
      '  associationArn: arn:aws:eks:us-west-2:111122223333:podidentityassociation/my-cluster/a-abcdefghijklmnop1',
      '  associationId: a-abcdefghijklmnop1',
      'subject:',
      '  namespace: default',
      '  serviceAccount: my-sa',
      '',
    ];
    const args = ['--cluster-name', CLUSTER, '--token', 'a.b.c', ...at()];
    assert.equal((await cli([...args, '--output', 'yaml'])).stdout, yaml.join('\n'));
    const stream = yaml.map((line, i) => (line === '' ? '' : `${i === 0 ? '- ' : '  '}${line}`));
    assert.equal((await cli([...args, '--output', 'yaml-stream'])).stdout, stream.join('\n'));
  });

  // json, text and table texts printed by the real AWS CLI (v1, cli_timestamp_format=iso8601,
  // TZ=UTC) for this response; yaml and yaml-stream as v2's ruamel dumper writes them.
  const QUERIES = {
    scalar: ['audience', {
      json: '"pods.eks.amazonaws.com"\n',
      text: 'pods.eks.amazonaws.com\n',
      table: '--------------------------\n|AssumeRoleForPodIdentity|\n+------------------------+\n',
      yaml: '"pods.eks.amazonaws.com"\n',
      'yaml-stream': '- pods.eks.amazonaws.com\n',
    }],
    object: ['subject', {
      json: '{\n    "namespace": "default",\n    "serviceAccount": "my-sa"\n}\n',
      text: 'default\tmy-sa\n',
      table: '---------------------------------\n|   AssumeRoleForPodIdentity    |\n+------------+------------------+\n|  namespace | serviceAccount   |\n+------------+------------------+\n|  default   |  my-sa           |\n+------------+------------------+\n',
      yaml: 'namespace: default\nserviceAccount: my-sa\n',
      'yaml-stream': '- namespace: default\n  serviceAccount: my-sa\n',
    }],
    list: ['[credentials.accessKeyId, subject.namespace]', {
      json: '[\n    "ASIAEXAMPLEPODCREDS1",\n    "default"\n]\n',
      text: 'ASIAEXAMPLEPODCREDS1\tdefault\n',
      table: '--------------------------\n|AssumeRoleForPodIdentity|\n+------------------------+\n|  ASIAEXAMPLEPODCREDS1  |\n|  default               |\n+------------------------+\n',
      yaml: '- ASIAEXAMPLEPODCREDS1\n- default\n',
      'yaml-stream': '- - ASIAEXAMPLEPODCREDS1\n  - default\n',
    }],
    projection: ['*.arn', {
      json: '[\n    "arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c"\n]\n',
      text: 'arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c\n',
      table: '---------------------------------------------------------------------------------------\n|                              AssumeRoleForPodIdentity                               |\n+-------------------------------------------------------------------------------------+\n|  arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c  |\n+-------------------------------------------------------------------------------------+\n',
      yaml: '- arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c\n',
      'yaml-stream': '- - arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c\n',
    }],
  };
  for (const [kind, [query, expected]] of Object.entries(QUERIES)) {
    test(`--query ${kind} (${query}) in every --output`, async () => {
      for (const [output, text] of Object.entries(expected)) {
        const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', ...at(), '--query', query, '--output', output]);
        assert.equal(r.stdout, text, `${output}`);
        assert.equal(r.code, 0);
      }
    });
  }

  test('--query is applied before formatting; a bad expression is a parameter error (252)', async () => {
    const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', ...at(), '--query', 'credentials.[', '--output', 'text']);
    assert.equal(r.code, 252);
    assert.match(r.stderr, /^\nBad value for --query credentials\.\[: .+\n$/);
    assert.equal(r.stdout, '');
  });

  test('--output from AWS_DEFAULT_OUTPUT, then the profile; the option wins', async () => {
    writeFileSync(join(tmp, 'config-output'), '[default]\noutput = text\n');
    const args = ['--cluster-name', CLUSTER, '--token', 'a.b.c', ...at(), '--query', 'audience'];
    assert.equal((await cli(args, { env: { AWS_CONFIG_FILE: join(tmp, 'config-output') } })).stdout, 'pods.eks.amazonaws.com\n');
    assert.equal((await cli(args, { env: { AWS_DEFAULT_OUTPUT: 'yaml-stream' } })).stdout, '- pods.eks.amazonaws.com\n');
    assert.equal((await cli([...args, '--output', 'json'], { env: { AWS_DEFAULT_OUTPUT: 'text' } })).stdout, '"pods.eks.amazonaws.com"\n');
    const bad = await cli([...args, '--output', 'xml']);
    assert.equal(bad.code, 252);
    assert.match(bad.stderr, /eks-auth: error: argument --output: Invalid choice, valid choices are:/);
  });

  test('--color on colours the table, off and auto (not a terminal) do not; auto on a terminal does', async () => {
    const args = ['--cluster-name', CLUSTER, '--token', 'a.b.c', ...at(), '--output', 'table', '--query', 'subject'];
    assert.match((await cli([...args, '--color', 'on'])).stdout, /\x1b\[/);
    assert.doesNotMatch((await cli([...args, '--color', 'off'])).stdout, /\x1b\[/);
    assert.doesNotMatch((await cli(args)).stdout, /\x1b\[/);
    assert.match((await cli(args, { stdout: capture({ isTTY: true, columns: 120 }) })).stdout, /\x1b\[/);
    assert.equal((await cli([...args, '--color', 'sometimes'])).code, 252);
  });

  test('cli_timestamp_format = wire in the profile prints the epoch seconds', async () => {
    writeFileSync(join(tmp, 'config-wire'), '[default]\ncli_timestamp_format = wire\n');
    const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', ...at(), '--query', 'credentials.expiration'], { env: { AWS_CONFIG_FILE: join(tmp, 'config-wire') } });
    assert.equal(r.stdout, '1764342000.25\n');
  });
});

// --- the AWS CLI captures reproduced -----------------------------------------------------------

describe('cli-capture.json: the real AWS CLI runs, reproduced', () => {
  const captureEnv = { ...CAPTURE.credentialsUsed };
  for (const s of CAPTURE.scenarios) {
    test(`${s.name}: same request body and signed headers, same output`, async () => {
      const answer = () => ({ status: s.serverResponse.status, headers: s.serverResponse.headers, body: s.serverResponse.body });
      const stub = await startStub(answer);
      try {
        const argv = s.argv.slice(2).map((a) => (a === '<JWT>' ? CAPTURE.token : a.startsWith('http://127.0.0.1:') ? stub.url : a));
        // The captures are AWS CLI v1: wire timestamps, legacy retries (5 attempts).
        writeFileSync(join(tmp, 'config-v1'), '[default]\ncli_timestamp_format = wire\nretry_mode = legacy\n');
        const r = await cli(argv, { env: { ...captureEnv, AWS_CONFIG_FILE: join(tmp, 'config-v1') } });
        assert.equal(r.stdout, s.cliStdout);
        assert.equal(r.stderr, s.cliStderr);
        // v2's exit code for a service error is 254 where v1 exits 255.
        assert.equal(r.code, s.cliExitCode === 255 ? 254 : s.cliExitCode);
        assert.equal(stub.requests.length, s.requestsReceived.length);
        const host = new URL(stub.url).host;
        for (const [i, sent] of stub.requests.entries()) {
          const expected = s.requestsReceived[i];
          assert.equal(sent.method, expected.method);
          assert.equal(sent.url, expected.rawPath);
          assert.equal(sent.body, expected.body);
          const authorization = sent.headers.authorization;
          assert.equal(authorization.match(/SignedHeaders=([^,]+)/)[1], expected.signatureCheck.signedHeaders);
          assert.equal(sent.headers['content-type'], 'application/json');
          assert.equal(sent.headers['x-amz-security-token'], captureEnv.AWS_SESSION_TOKEN);
          // Same canonical request as botocore's, host and time aside, and the signature over it.
          const date = sent.headers['x-amz-date'];
          const stages = signingStages({
            clusterName: 'my-cluster',
            token: CAPTURE.token,
            region: REGION,
            endpoint: stub.url,
            credentials: { accessKeyId: captureEnv.AWS_ACCESS_KEY_ID, secretAccessKey: captureEnv.AWS_SECRET_ACCESS_KEY, sessionToken: captureEnv.AWS_SESSION_TOKEN },
            now: Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')),
          });
          const botocore = expected.signatureCheck.canonicalRequest
            .replace(/host:.*/, `host:${host}`)
            .replace(/x-amz-date:.*/, `x-amz-date:${date}`);
          assert.equal(stages.canonicalRequest.replace('<redacted>', captureEnv.AWS_SESSION_TOKEN), botocore);
          assert.equal(authorization.match(/Signature=(\w+)/)[1], stages.signature);
        }
      } finally {
        await stub.close();
      }
    });
  }

  test('success-default-output with v2 defaults: ISO 8601 timestamps, otherwise byte for byte', async () => {
    const s = CAPTURE.scenarios.find((x) => x.name === 'success-default-output');
    const stub = await startStub(() => ({ status: 200, headers: s.serverResponse.headers, body: s.serverResponse.body }));
    try {
      const argv = s.argv.slice(2).map((a) => (a === '<JWT>' ? CAPTURE.token : a.startsWith('http://127.0.0.1:') ? stub.url : a));
      const r = await cli(argv, { env: captureEnv });
      assert.equal(r.code, 0);
      assert.equal(r.stdout, s.cliStdout.replace('"expiration": 1764342000', '"expiration": "2025-11-28T15:00:00+00:00"'));
    } finally {
      await stub.close();
    }
  });

  test('error-ThrottlingException with v2 defaults: standard mode, 3 attempts, exit 254', async () => {
    const s = CAPTURE.scenarios.find((x) => x.name === 'error-ThrottlingException');
    const stub = await startStub(() => s.serverResponse);
    try {
      const argv = s.argv.slice(2).map((a) => (a === '<JWT>' ? CAPTURE.token : a.startsWith('http://127.0.0.1:') ? stub.url : a));
      const r = await cli(argv, { env: captureEnv });
      assert.equal(r.code, 254);
      assert.equal(r.stderr, s.cliStderr.replace('max retries: 4', 'max retries: 2'));
      assert.equal(stub.requests.length, 3);
    } finally {
      await stub.close();
    }
  });
});

// --- exit codes ----------------------------------------------------------------------------------

describe('exit codes', () => {
  test('0: the exchange against the emulator', async () => {
    clearFaults();
    const r = await cli([...target, '--output', 'text', '--query', 'subject']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'default\tmy-sa\n');
    assert.equal(r.stderr, '');
  });

  test('252: a cluster name or token the model forbids, refused before any request', async () => {
    emu.resetStats();
    const badCluster = await cli(['--cluster-name', 'my:cluster', '--token', token, '--region', REGION, '--endpoint-url', emu.endpoint]);
    assert.equal(badCluster.code, 252);
    assert.match(badCluster.stderr, /^\nParameter validation failed:\ninvalid clusterName: must match /);
    const badToken = await cli(['--cluster-name', CLUSTER, '--token', 'not-a-token', '--region', REGION, '--endpoint-url', emu.endpoint]);
    assert.equal(badToken.code, 252);
    assert.match(badToken.stderr, /^\nParameter validation failed:\ninvalid token: /);
    const empty = await cli(['--cluster-name', '', '--token', token, '--region', REGION, '--endpoint-url', emu.endpoint]);
    assert.equal(empty.stderr, '\nParameter validation failed:\nInvalid length for parameter clusterName, value: 0, valid min length: 1\n');
    assert.equal(emu.stats.received, 0);
  });

  test('252: required options missing, unknown options, ambiguous prefixes', async () => {
    const usage = '\nusage: eks-auth [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n'
      + '  eks-auth help\n  eks-auth <command> help\n  eks-auth <command> <subcommand> help\n';
    const missing = await cli(['--region', REGION]);
    assert.equal(missing.code, 252);
    assert.equal(missing.stderr, `${usage}\neks-auth: error: the following arguments are required: --cluster-name, --token\n\n`);
    const unknown = await cli(['--cluster-name', CLUSTER, '--token', token, 'extra', '--bogus', '1']);
    assert.equal(unknown.code, 252);
    assert.equal(unknown.stderr, `${usage}\nUnknown options: --bogus, 1, extra\n\n`);
    const ambiguous = await cli(['--cli-input', '{}']);
    assert.equal(ambiguous.stderr, `${usage}\neks-auth: error: ambiguous option: --cli-input could match --cli-input-json, --cli-input-yaml\n\n`);
    const noValue = await cli(['--cluster-name', CLUSTER, '--token']);
    assert.equal(noValue.stderr, `${usage}\neks-auth: error: argument --token: expected one argument\n\n`);
  });

  test('unique prefixes and --name=value work as in argparse', async () => {
    clearFaults();
    const r = await cli(['--cluster', CLUSTER, `--tok=${token}`, `--region=${REGION}`, '--endpoint-url', emu.endpoint, '--out', 'text', '--query', 'audience']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pods.eks.amazonaws.com\n');
  });

  test('253: no credentials, no region', async () => {
    const noCredentials = await cli(target, { env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });
    assert.equal(noCredentials.code, 253);
    assert.equal(noCredentials.stderr, '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n');
    const noRegion = await cli(['--cluster-name', CLUSTER, '--token', token, '--endpoint-url', emu.endpoint]);
    assert.equal(noRegion.code, 253);
    assert.equal(noRegion.stderr, '\nYou must specify a region. You can also configure your region by running "aws configure".\n');
  });

  test('254: the service answered with an error (no retry for a 404)', async () => {
    emu.resetStats();
    const r = await cli(['--cluster-name', 'other-cluster', '--token', token, '--region', REGION, '--endpoint-url', emu.endpoint]);
    assert.equal(r.code, 254);
    assert.match(r.stderr, /^\nAn error occurred \(ResourceNotFoundException\) when calling the AssumeRoleForPodIdentity operation: .+\n$/);
    assert.equal(emu.stats.received, 1);
  });

  test('255: nothing listening', async () => {
    const server = createTcpServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(resolve));
    const r = await cli([...target.slice(0, 6), '--endpoint-url', `http://127.0.0.1:${port}`], { env: { AWS_MAX_ATTEMPTS: '1' } });
    assert.equal(r.code, 255);
    assert.equal(r.stderr, `\nCould not connect to the endpoint URL: "http://127.0.0.1:${port}/clusters/${CLUSTER}/assume-role-for-pod-identity"\n`);
  });

  test('130: Ctrl-C (an aborted signal) during the request prints a newline on stdout', async () => {
    emu.setFaults({ latencyMs: NEVER_MS });
    emu.resetStats();
    try {
      const controller = new AbortController();
      const running = cli(target, { signal: controller.signal });
      await until(() => emu.stats.delayed === 1); // the request waits in the emulator, which never answers it
      controller.abort();
      const r = await running;
      assert.equal(r.code, 130);
      assert.equal(r.stdout, '\n');
    } finally {
      clearFaults();
    }
  });
});

// --- options -------------------------------------------------------------------------------------

describe('parameters: file://, --cli-input-json, --cli-input-yaml', () => {
  test('file:// values: the token stays out of the process list', async () => {
    clearFaults();
    writeFileSync(join(tmp, 'cluster'), CLUSTER);
    const r = await cli(['--cluster-name', `file://${join(tmp, 'cluster')}`, '--token', `file://${join(tmp, 'token')}`, '--region', REGION, '--endpoint-url', emu.endpoint, '--output', 'text', '--query', 'audience']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pods.eks.amazonaws.com\n');
    const home = await cli(['--cluster-name', CLUSTER, '--token', 'file://~/token', '--region', REGION, '--endpoint-url', emu.endpoint, '--query', 'audience']);
    assert.equal(home.code, 0, home.stderr);
    const missing = await cli(['--cluster-name', CLUSTER, '--token', `file://${join(tmp, 'absent')}`]);
    assert.equal(missing.code, 252);
    assert.equal(missing.stderr, `\nError parsing parameter '--token': Unable to load paramfile file://${join(tmp, 'absent')}: [Errno 2] No such file or directory: '${join(tmp, 'absent')}'\n`);
    const bytes = await cli(['--cluster-name', CLUSTER, '--token', `fileb://${join(tmp, 'token')}`, '--region', REGION]);
    assert.equal(bytes.code, 252);
    assert.equal(bytes.stderr, "\nParameter validation failed:\nInvalid type for parameter token, value: b'<redacted>', type: <class 'bytes'>, valid types: <class 'str'>\n");
  });

  test('--cli-input-json (inline or file://) with command-line values overriding it', async () => {
    clearFaults();
    const json = JSON.stringify({ clusterName: 'other-cluster', token });
    writeFileSync(join(tmp, 'input.json'), json);
    const overridden = await cli(['--cli-input-json', json, '--cluster-name', CLUSTER, '--region', REGION, '--endpoint-url', emu.endpoint, '--query', 'subject.serviceAccount']);
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.equal(overridden.stdout, '"my-sa"\n');
    const fromFile = await cli(['--cli-input-json', `file://${join(tmp, 'input.json')}`, '--region', REGION, '--endpoint-url', emu.endpoint]);
    assert.equal(fromFile.code, 254); // other-cluster does not exist
    const invalid = await cli(['--cli-input-json', '{', '--region', REGION]);
    assert.equal(invalid.stderr, "\nError parsing parameter 'cli-input-json': Invalid JSON received.\n");
    const list = await cli(['--cli-input-json', '[1]', '--region', REGION]);
    assert.equal(list.stderr, "\nError parsing parameter '--cli-input-json': Invalid type: expecting map, received <class 'list'>\n");
    const wrong = await cli(['--cli-input-json', '{"clusterName": "c", "foo": 1, "token": null}', '--region', REGION]);
    assert.equal(wrong.code, 252);
    assert.equal(wrong.stderr, '\nParameter validation failed:\nUnknown parameter in input: "foo", must be one of: clusterName, token, eksNodeName, instanceId, zone\n'
      + "Invalid type for parameter token, value: None, type: <class 'NoneType'>, valid types: <class 'str'>\n");
    const missing = await cli(['--cli-input-json', '{"clusterName": "c"}', '--region', REGION]);
    assert.equal(missing.stderr, '\nParameter validation failed:\nMissing required parameter in input: "token"\n');
  });

  test('--cli-input-yaml, and not both', async () => {
    clearFaults();
    const r = await cli(['--cli-input-yaml', `clusterName: ${CLUSTER}\ntoken: ${token}\n`, '--region', REGION, '--endpoint-url', emu.endpoint, '--query', 'audience', '--output', 'text']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pods.eks.amazonaws.com\n');
    const invalid = await cli(['--cli-input-yaml', 'a: [', '--region', REGION]);
    assert.equal(invalid.stderr, "\nError parsing parameter 'cli-input-yaml': Invalid YAML received.\n");
    const both = await cli(['--cli-input-yaml', 'a: 1', '--cli-input-json', '{}', '--region', REGION]);
    assert.equal(both.code, 252);
    assert.equal(both.stderr, '\nOnly one --cli-input- parameter may be specified.\n');
  });

  test('--eks-node-name, --instance-id, --zone go into the request body', async () => {
    const stub = await startStub(FORMATS_ANSWER);
    try {
      const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', '--zone', 'usw2-az1', '--eks-node-name', 'node-1', '--instance-id', 'i-0123456789abcdef0', '--region', REGION, '--endpoint-url', stub.url]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(stub.requests[0].body, '{"token": "a.b.c", "eksNodeName": "node-1", "instanceId": "i-0123456789abcdef0", "zone": "usw2-az1"}');
    } finally {
      await stub.close();
    }
  });
});

describe('--generate-cli-skeleton', () => {
  test('no value or input, yaml-input: the skeleton, nothing sent, no required options', async () => {
    emu.resetStats();
    for (const args of [['--generate-cli-skeleton'], ['--generate-cli-skeleton', 'input']]) {
      const r = await cli([...args, '--endpoint-url', emu.endpoint]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, generateSkeleton('input'));
    }
    const yaml = await cli(['--generate-cli-skeleton', 'yaml-input']);
    assert.equal(yaml.stdout, generateSkeleton('yaml-input'));
    assert.equal(emu.stats.received, 0);
  });

  test('output validates the inputs first, then prints the sample through --output/--query', async () => {
    emu.resetStats();
    const r = await cli([...target, '--generate-cli-skeleton', 'output', '--output', 'text', '--query', 'subject']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'namespace\tserviceAccount\n');
    const json = await cli([...target, '--generate-cli-skeleton', 'output']);
    assert.equal(json.stdout, generateSkeleton('output'));
    const bad = await cli(['--cluster-name', CLUSTER, '--token', 'x', '--region', REGION, '--generate-cli-skeleton', 'output']);
    assert.equal(bad.code, 252);
    const missing = await cli(['--region', REGION, '--generate-cli-skeleton', 'output']);
    assert.equal(missing.stderr, '\nParameter validation failed:\nMissing required parameter in input: "clusterName"\nMissing required parameter in input: "token"\n');
    assert.equal(emu.stats.received, 0);
    const choice = await cli(['--generate-cli-skeleton', 'everything']);
    assert.equal(choice.code, 252);
    assert.ok(choice.stderr.includes(`argument --generate-cli-skeleton: Invalid choice, valid choices are:\n\n${'input'.padEnd(40)} | ${'output'.padEnd(40)}\n${'yaml-input'.padEnd(40)}\n`));
  });
});

describe('--debug', () => {
  test('the AWS CLI kind of trace, with the token and every secret redacted', async () => {
    clearFaults();
    const env = { AWS_ACCESS_KEY_ID: SESSION_CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: SESSION_CALLER.secretAccessKey, AWS_SESSION_TOKEN: SESSION_CALLER.sessionToken };
    const r = await cli([...target, '--debug'], { env });
    assert.equal(r.code, 0, r.stderr);
    const pod = JSON.parse(r.stdout).credentials;
    const line = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - MainThread - [\w.]+ - (DEBUG|INFO) - /;
    assert.match(r.stderr, line);
    for (const step of [
      `CLI version: ${versionLine()}`,
      "Arguments entered to CLI: ['assume-role-for-pod-identity', '--cluster-name', 'my-cluster', '--token', '<redacted>'",
      `Calling endpoint provider with parameters: {'Region': 'us-west-2', 'UseFIPS': False, 'Endpoint': '${emu.endpoint}'}`,
      `Endpoint provider result: ${emu.endpoint}`,
      'CanonicalRequest:\nPOST\n/clusters/my-cluster/assume-role-for-pod-identity\n\ncontent-type:application/json\n',
      'x-amz-security-token:<redacted>\n',
      'StringToSign:\nAWS4-HMAC-SHA256\n',
      'Signature:\n',
      'Sending http request: <AWSPreparedRequest stream_output=False, method=POST, url=',
      'Response headers: {',
      'Response body:\n',
    ]) assert.ok(r.stderr.includes(step), `missing: ${step}`);
    for (const secret of [token, SESSION_CALLER.secretAccessKey, SESSION_CALLER.sessionToken, pod.secretAccessKey, pod.sessionToken]) {
      assert.ok(!r.stderr.includes(secret), 'a secret was printed');
    }
    assert.ok(r.stderr.includes(pod.accessKeyId)); // not a secret
  });

  test('unsigned (--no-sign-request) with a short token: traced, the token still hidden', async () => {
    const stub = await startStub(FORMATS_ANSWER);
    try {
      const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', '--region', REGION, '--endpoint-url', stub.url, '--debug', '--no-sign-request', '--query', 'audience']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes('Request is unsigned (--no-sign-request)'));
      assert.ok(r.stderr.includes(`Request body:\nb'{"token": "<redacted>"}'`));
      assert.ok(!r.stderr.includes('a.b.c'));
      assert.ok(!r.stderr.includes(FORMATS.response.credentials.secretAccessKey));
    } finally {
      await stub.close();
    }
  });

  test('retries show in the trace; a 500 then a 200 succeeds', async () => {
    const stub = await startStub((n) => (n === 1
      ? { status: 500, headers: [['x-amzn-ErrorType', 'InternalServerException']], body: '{"message":"try again"}' }
      : FORMATS_ANSWER()));
    try {
      const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', '--region', REGION, '--endpoint-url', stub.url, '--debug', '--query', 'audience']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, '"pods.eks.amazonaws.com"\n');
      assert.equal(stub.requests.length, 2);
      assert.match(r.stderr, /botocore\.retries\.standard - DEBUG - Retry needed, retrying request after delay of: \d/);
    } finally {
      await stub.close();
    }
  });
});

describe('errors never show secrets', () => {
  test('a signature mismatch echoing the canonical request: the session token is redacted', async () => {
    clearFaults();
    const env = { AWS_ACCESS_KEY_ID: SESSION_CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrongSecretKeyExample000000000000000000000', AWS_SESSION_TOKEN: SESSION_CALLER.sessionToken };
    const r = await cli(target, { env });
    assert.equal(r.code, 254);
    assert.match(r.stderr, /^\nAn error occurred \(InvalidSignatureException\) when calling the AssumeRoleForPodIdentity operation: /);
    assert.ok(!r.stderr.includes(SESSION_CALLER.sessionToken));
    assert.ok(!r.stderr.includes(token));
  });
});

describe('region, profile, credentials', () => {
  let stub;
  before(async () => {
    stub = await startStub(FORMATS_ANSWER);
    writeFileSync(join(tmp, 'config'), [
      '[default]', 'region = ap-northeast-1',
      '[profile caller]', 'region = us-west-2',
      '[profile regional]', 'region = eu-west-1',
      '[profile no-keys]', 'region = us-west-2',
      '',
    ].join('\n'));
    writeFileSync(join(tmp, 'credentials'), [
      '[caller]', `aws_access_key_id = ${DEFAULT_CALLER.accessKeyId}`, `aws_secret_access_key = ${DEFAULT_CALLER.secretAccessKey}`,
      '[regional]', `aws_access_key_id = ${DEFAULT_CALLER.accessKeyId}`, `aws_secret_access_key = ${DEFAULT_CALLER.secretAccessKey}`, '',
    ].join('\n'));
  });
  after(() => stub.close());
  const files = () => ({ AWS_CONFIG_FILE: join(tmp, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'credentials') });

  test('--region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
    const regionOf = async (args, env) => {
      const before = stub.requests.length;
      const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', '--endpoint-url', stub.url, ...args], { env: { ...files(), ...env } });
      assert.equal(r.code, 0, r.stderr);
      return scopeRegion(stub.requests[before].headers.authorization);
    };
    assert.equal(await regionOf(['--region', 'eu-central-1'], { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'ap-south-1' }), 'eu-central-1');
    assert.equal(await regionOf([], { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'ap-south-1' }), 'us-east-2');
    assert.equal(await regionOf([], { AWS_DEFAULT_REGION: 'ap-south-1' }), 'ap-south-1');
    assert.equal(await regionOf([], {}), 'ap-northeast-1');
    assert.equal(await regionOf([], { AWS_PROFILE: 'regional' }), 'eu-west-1');
    assert.equal(await regionOf(['--profile', 'regional'], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }), 'eu-west-1');
  });

  test('--profile: that profile\'s credentials and region through @aws-sdk/credential-providers, ahead of the environment', async () => {
    clearFaults();
    const env = { ...files(), AWS_ACCESS_KEY_ID: 'AKIDWRONGWRONGWRONG1', AWS_SECRET_ACCESS_KEY: 'wrong' };
    const r = await cli(['--cluster-name', CLUSTER, '--token', token, '--endpoint-url', emu.endpoint, '--profile', 'caller', '--query', 'audience'], { env });
    assert.equal(r.code, 0, r.stderr);
    const unknown = await cli([...target, '--profile', 'nope'], { env: files() });
    assert.equal(unknown.code, 255);
    assert.equal(unknown.stderr, '\nThe config profile (nope) could not be found\n');
    const noKeys = await cli([...target, '--profile', 'no-keys'], { env: { ...files(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });
    assert.equal(noKeys.code, 253);
  });

  test('the default chain: AWS_PROFILE in the shared files when the environment has no keys', async () => {
    clearFaults();
    const env = { ...files(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: 'caller' };
    const r = await cli(['--cluster-name', CLUSTER, '--token', token, '--endpoint-url', emu.endpoint, '--query', 'audience'], { env });
    assert.equal(r.code, 0, r.stderr);
  });

  test('--no-sign-request: no credentials loaded, no Authorization header', async () => {
    const before = stub.requests.length;
    const r = await cli(['--cluster-name', CLUSTER, '--token', 'a.b.c', '--region', REGION, '--endpoint-url', stub.url, '--no-sign-request'], { env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(stub.requests[before].headers.authorization, undefined);
    const emulator = await cli([...target, '--no-sign-request']);
    assert.equal(emulator.code, 254);
    assert.match(emulator.stderr, /MissingAuthenticationTokenException/);
  });

  test('--endpoint-url: a URL without a scheme is refused (252); http only on loopback', async () => {
    const r = await cli([...target.slice(0, 6), '--endpoint-url', 'localhost:8080']);
    assert.equal(r.code, 252);
    assert.match(r.stderr, /^\nBad value for --endpoint-url "localhost:8080"|invalid endpoint/);
    const plain = await cli([...target.slice(0, 6), '--endpoint-url', 'http://example.com']);
    assert.equal(plain.code, 252);
    assert.match(plain.stderr, /http is allowed only for loopback hosts/);
  });
});

describe('retries (AWS CLI v2: standard mode)', () => {
  test('AWS_MAX_ATTEMPTS: attempts in all, then "(reached max retries: N)"', async () => {
    emu.setFaults({ throttle: 1 });
    try {
      emu.resetStats();
      const r = await cli(target, { env: { AWS_MAX_ATTEMPTS: '2' } });
      assert.equal(r.code, 254);
      assert.equal(r.stderr, '\nAn error occurred (ThrottlingException) when calling the AssumeRoleForPodIdentity operation (reached max retries: 1): Rate exceeded\n');
      assert.equal(emu.stats.received, 2);
      emu.resetStats();
      const standard = await cli(target);
      assert.match(standard.stderr, /\(reached max retries: 2\)/);
      assert.equal(emu.stats.received, 3);
      emu.resetStats();
      const legacy = await cli(target, { env: { AWS_RETRY_MODE: 'legacy' } });
      assert.match(legacy.stderr, /\(reached max retries: 4\)/);
      assert.equal(emu.stats.received, 5);
    } finally {
      clearFaults();
    }
  });

  test('bad retry settings are the AWS CLI\'s errors (255)', async () => {
    const mode = await cli(target, { env: { AWS_RETRY_MODE: 'sometimes' } });
    assert.equal(mode.code, 255);
    assert.equal(mode.stderr, "\nInvalid value provided to \"mode\": \"sometimes\" must be one of: ('legacy', 'standard', 'adaptive')\n");
    const attempts = await cli(target, { env: { AWS_MAX_ATTEMPTS: '0' } });
    assert.equal(attempts.stderr, '\nValue provided to "max_attempts": 0 must be an integer greater than or equal to 1.\n');
    const text = await cli(target, { env: { AWS_MAX_ATTEMPTS: 'many' } });
    assert.equal(text.stderr, "\ninvalid literal for int() with base 10: 'many'\n");
  });
});

describe('TLS and timeouts', () => {
  let keyPem;
  let certPem;
  let proxy;
  let proxyUrl;
  before(async () => {
    const version = spawnSync('openssl', ['version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, 'these tests need the openssl command (apt-get install openssl)');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp, 'key.pem'), '-out', join(tmp, 'cert.pem'),
      '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    keyPem = readFileSync(join(tmp, 'key.pem'));
    certPem = readFileSync(join(tmp, 'cert.pem'));
    // HTTPS in front of the emulator: same Host header, so the signature still verifies.
    proxy = createHttpsServer({ key: keyPem, cert: certPem }, (req, res) => {
      const upstream = httpRequest({ host: '127.0.0.1', port: emu.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `https://127.0.0.1:${proxy.address().port}`;
  });
  after(() => new Promise((resolve) => {
    proxy.closeAllConnections();
    proxy.close(resolve);
  }));
  const over = () => [...target.slice(0, 6), '--endpoint-url', proxyUrl, '--output', 'text', '--query', 'audience'];

  test('an unknown CA fails as the CLI\'s SSL validation error (255)', async () => {
    clearFaults();
    const r = await cli(over(), { env: { AWS_MAX_ATTEMPTS: '1' } });
    assert.equal(r.code, 255);
    assert.equal(r.stderr, `\nSSL validation failed for ${proxyUrl}/clusters/${CLUSTER}/assume-role-for-pod-identity [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate\n`);
  });

  test('--ca-bundle (and AWS_CA_BUNDLE, and the profile\'s ca_bundle) trusts the certificate', async () => {
    const bundle = join(tmp, 'cert.pem');
    for (const [args, env] of [[['--ca-bundle', bundle], {}], [[], { AWS_CA_BUNDLE: bundle }]]) {
      const r = await cli([...over(), ...args], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'pods.eks.amazonaws.com\n');
    }
    writeFileSync(join(tmp, 'config-ca'), `[default]\nca_bundle = ${bundle}\n`);
    const profile = await cli(over(), { env: { AWS_CONFIG_FILE: join(tmp, 'config-ca') } });
    assert.equal(profile.code, 0, profile.stderr);
    const missing = await cli([...over(), '--ca-bundle', join(tmp, 'absent.pem')]);
    assert.equal(missing.code, 255);
    assert.match(missing.stderr, /Could not find a suitable TLS CA certificate bundle, invalid path: /);
  });

  test('--no-verify-ssl connects anyway, with the warning on stderr', async () => {
    const r = await cli([...over(), '--no-verify-ssl']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pods.eks.amazonaws.com\n');
    assert.equal(r.stderr, "InsecureRequestWarning: Unverified HTTPS request is being made to host '127.0.0.1'. Adding certificate verification is strongly advised.\n");
  });

  test('--cli-read-timeout: no answer within it is the CLI\'s read timeout (255)', async () => {
    emu.setFaults({ latencyMs: NEVER_MS });
    try {
      const started = Date.now();
      const r = await cli([...target, '--cli-read-timeout', '1'], { env: { AWS_MAX_ATTEMPTS: '1' } });
      assert.equal(r.code, 255);
      assert.equal(r.stderr, `\nRead timeout on endpoint URL: "${emu.endpoint}/clusters/${CLUSTER}/assume-role-for-pod-identity"\n`);
      assert.ok(Date.now() - started < DEFAULT_TIMEOUT_SECONDS * 1000 / 2, 'the 1 s timeout, not the default 60 s, ended the call');
      emu.setFaults({ latencyMs: 200 });
      assert.equal((await cli([...target, '--cli-read-timeout', '5', '--query', 'audience'])).code, 0);
    } finally {
      clearFaults();
    }
  });

  test('--cli-connect-timeout: a TLS handshake that never completes is the CLI\'s connect timeout (255)', async () => {
    const sockets = new Set();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${silent.address().port}`;
      const started = Date.now();
      const r = await cli([...target.slice(0, 6), '--endpoint-url', url, '--cli-connect-timeout', '1'], { env: { AWS_MAX_ATTEMPTS: '1' } });
      assert.equal(r.code, 255);
      assert.equal(r.stderr, `\nConnect timeout on endpoint URL: "${url}/clusters/${CLUSTER}/assume-role-for-pod-identity"\n`);
      assert.ok(Date.now() - started < DEFAULT_TIMEOUT_SECONDS * 1000 / 2, 'the 1 s timeout, not the default 60 s, ended the call');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('timeouts: seconds, 0 = none, 60 s by default; not an integer is 255', async () => {
    assert.deepEqual(connectionOptions({ connectTimeoutMs: timeoutMs('0'), readTimeoutMs: timeoutMs('0') }),
      { tls: { rejectUnauthorized: true }, connectTimeoutMs: 0, readTimeoutMs: 0 });
    assert.deepEqual(connectionOptions({ verifySsl: false, connectTimeoutMs: timeoutMs(undefined), readTimeoutMs: timeoutMs('7') }),
      { tls: { rejectUnauthorized: false }, connectTimeoutMs: 60000, readTimeoutMs: 7000 });
    const r = await cli([...target, '--cli-connect-timeout', 'soon']);
    assert.equal(r.code, 255);
    assert.equal(r.stderr, "\ninvalid literal for int() with base 10: 'soon'\n");
  });
});

describe('accepted options without an effect here', () => {
  test('--no-paginate, --cli-binary-format, --no-cli-pager (no pages, no blobs, no pager)', async () => {
    clearFaults();
    const r = await cli([...target, '--no-paginate', '--cli-binary-format', 'raw-in-base64-out', '--no-cli-pager', '--output', 'text', '--query', 'audience']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pods.eks.amazonaws.com\n');
    const bad = await cli([...target, '--cli-binary-format', 'hex']);
    assert.equal(bad.code, 252);
    assert.match(bad.stderr, /argument --cli-binary-format: Invalid choice/);
  });
});

describe('--version, help', () => {
  test('--version alone or among the options', async () => {
    const line = `eks-auth-wasm/${VERSION} node/${process.versions.node} ${type()}/${release()}\n`;
    assert.equal((await cli([], { command: '--version' })).stdout, line);
    const r = await cli(['--cluster-name', CLUSTER, '--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, line);
  });

  test('help and --help print the usage with every option', async () => {
    for (const args of [['help'], ['--help'], ['--cluster-name', CLUSTER, '--help']]) {
      const r = await cli(args);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, commandHelp());
    }
    for (const option of ['--cluster-name', '--token', '--cli-input-yaml', '--generate-cli-skeleton', '--cli-auto-prompt', '--no-cli-auto-prompt']) {
      assert.ok(commandHelp().includes(option), option);
    }
    assert.equal((await cli(['help'], { command: 'credential-process' })).stdout, formatCommandHelp('credential-process'));
    assert.equal((await cli(['--help'], { command: 'env' })).stdout, formatCommandHelp('env'));
  });
});

describe('--cli-auto-prompt', () => {
  /** A terminal-like stdin a test can type into. */
  function fakeTerminal() {
    const stdin = new PassThrough();
    stdin.isTTY = true;
    stdin.setRawMode = () => stdin;
    return stdin;
  }

  test('without a terminal: a clear error (252); both flags: the CLI\'s error', async () => {
    const r = await cli(['--region', REGION, '--cli-auto-prompt']);
    assert.equal(r.code, 252);
    assert.match(r.stderr, /^\nCannot prompt for parameters: standard input is not a terminal\./);
    const env = await cli(['--region', REGION], { env: { AWS_CLI_AUTO_PROMPT: 'on' } });
    assert.equal(env.code, 252);
    assert.match(env.stderr, /standard input is not a terminal/);
    const both = await cli(['--cli-auto-prompt', '--no-cli-auto-prompt']);
    assert.equal(both.stderr, '\nBoth --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.\n');
    // on-partial without a terminal: the ordinary error.
    const partial = await cli(['--region', REGION], { env: { AWS_CLI_AUTO_PROMPT: 'on-partial' } });
    assert.match(partial.stderr, /the following arguments are required: --cluster-name, --token/);
    // --no-cli-auto-prompt wins over the environment.
    clearFaults();
    const off = await cli([...target, '--no-cli-auto-prompt', '--query', 'audience'], { env: { AWS_CLI_AUTO_PROMPT: 'on' } });
    assert.equal(off.code, 0, off.stderr);
  });

  test('on a terminal: each parameter with its description, the token typed unseen', async () => {
    clearFaults();
    const stdin = fakeTerminal();
    const stderr = capture();
    const running = cli(['--region', REGION, '--endpoint-url', emu.endpoint, '--cli-auto-prompt', '--output', 'text', '--query', 'subject'], { stdin, stderr });
    await stderr.waitFor('The name of the cluster for the request.');
    await stderr.waitFor('--cluster-name: ');
    stdin.write(`${CLUSTER}\r`);
    await stderr.waitFor('The token of the Kubernetes service account for the pod.');
    await stderr.waitFor('(typing is not shown): ');
    stdin.write(`${token}\r`);
    for (const option of ['--eks-node-name: ', '--instance-id: ', '--zone: ']) {
      await stderr.waitFor(option);
      stdin.write('\r');
    }
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'default\tmy-sa\n');
    assert.ok(!r.stderr.includes(token), 'the token was echoed');
  });

  test('AWS_CLI_AUTO_PROMPT=on-partial prompts only when parameters are missing, with the given ones kept', async () => {
    clearFaults();
    const complete = await cli([...target, '--query', 'audience'], { env: { AWS_CLI_AUTO_PROMPT: 'on-partial' }, stdin: fakeTerminal() });
    assert.equal(complete.code, 0, complete.stderr);
    const stdin = fakeTerminal();
    const stderr = capture();
    const running = cli(['--cluster-name', CLUSTER, '--region', REGION, '--endpoint-url', emu.endpoint, '--query', 'audience'], { stdin, stderr, env: { AWS_CLI_AUTO_PROMPT: 'on-partial' } });
    await stderr.waitFor(`--cluster-name [${CLUSTER}]: `);
    stdin.write('\r');
    await stderr.waitFor('(typing is not shown): ');
    stdin.write(`file://${join(tmp, 'token')}\r`);
    for (const option of ['--eks-node-name: ', '--instance-id: ', '--zone: ']) {
      await stderr.waitFor(option);
      stdin.write('\r');
    }
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '"pods.eks.amazonaws.com"\n');
    assert.ok(!r.stderr.includes('the following arguments are required'));
  });

  test('a real terminal (Python\'s pty) drives the bin', async () => {
    clearFaults();
    const driver = `
import json, os, pty, select, sys, time
argv, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen = b''
def read_until(marker):
    global seen
    deadline = time.time() + 15
    while marker.encode() not in seen:
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        if not ready:
            sys.exit('no prompt %r in %r' % (marker, seen))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
for marker, answer in answers:
    read_until(marker)
    os.write(fd, answer.encode() + b'\\r')
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
print(json.dumps({'exit': os.waitstatus_to_exitcode(status), 'output': seen.decode('utf8', 'replace')}))
`;
    const argv = [process.execPath, BIN, 'assume-role-for-pod-identity', '--region', REGION, '--endpoint-url', emu.endpoint, '--cli-auto-prompt', '--output', 'text', '--query', 'subject'];
    const answers = [['--cluster-name: ', CLUSTER], ['(typing is not shown): ', token], ['--eks-node-name: ', ''], ['--instance-id: ', ''], ['--zone: ', '']];
    const child = spawn(PYTHON, ['-c', driver, JSON.stringify(argv), JSON.stringify(answers)], { env: { ...process.env, ...BASE_ENV } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const status = await new Promise((resolve) => {
      child.on('error', () => resolve(null));
      child.on('close', resolve);
    });
    assert.equal(status, 0, `${PYTHON} (scripts/setup.js --test makes it) is needed for this test: ${err}`);
    const result = JSON.parse(out);
    assert.equal(result.exit, 0, result.output);
    assert.match(result.output, /default\tmy-sa\r\n/);
    assert.ok(!result.output.includes(token), 'the token was echoed');
  });
});

// --- the credential formats ----------------------------------------------------------------------

describe('credential-process and env', () => {
  test('credential-process prints the credential_process JSON', async () => {
    clearFaults();
    const r = await cli(['--cluster-name', CLUSTER, '--token', `file://${join(tmp, 'token')}`, '--region', REGION, '--endpoint-url', emu.endpoint], { command: 'credential-process' });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(out.Version, 1);
    assert.match(out.AccessKeyId, /^ASIA/);
    assert.ok(Date.parse(out.Expiration) > Date.now());
    assert.match(r.stdout, /^\{\n {2}"Version": 1,\n {2}"AccessKeyId": /); // json.dumps(indent=2), as export-credentials
    const error = await cli(['--cluster-name', 'other-cluster', '--token', token, '--region', REGION, '--endpoint-url', emu.endpoint], { command: 'credential-process' });
    assert.equal(error.code, 254);
    assert.equal(error.stdout, '');
  });

  test('env prints export lines', async () => {
    clearFaults();
    const r = await cli(target, { command: 'env' });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.split('=')[0]), ['export AWS_ACCESS_KEY_ID', 'export AWS_SECRET_ACCESS_KEY', 'export AWS_SESSION_TOKEN', 'export AWS_CREDENTIAL_EXPIRATION']);
    assert.match(lines[0], /^export AWS_ACCESS_KEY_ID=ASIA/);
  });

  test('a profile whose credential_process runs itself stops at once instead of recursing', async () => {
    const config = join(tmp, 'config-loop');
    const command = `${process.execPath} ${BIN} credential-process --cluster-name ${CLUSTER} --token file://${join(tmp, 'token')} --region ${REGION} --endpoint-url ${emu.endpoint} --profile loop`;
    writeFileSync(config, `[profile loop]\ncredential_process = ${command}\n`);
    const r = await new Promise((resolve) => {
      const child = spawn(process.execPath, command.split(' ').slice(1), { env: { ...process.env, ...BASE_ENV, AWS_CONFIG_FILE: config } });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 255);
    assert.equal(r.stderr, '\nError when retrieving credentials from custom-process: Credential process resolution detected an infinite loop, profile cycle: loop -> loop\n');
  });

  test('botocore reads our credential_process output (Session(profile).get_credentials())', async () => {
    clearFaults();
    const config = join(tmp, 'config-process');
    writeFileSync(config, `[profile pod]\ncredential_process = ${process.execPath} ${BIN} credential-process --cluster-name ${CLUSTER} --token file://${join(tmp, 'token')} --region ${REGION} --endpoint-url ${emu.endpoint}\n`);
    const script = `
import json
import botocore.session
session = botocore.session.Session(profile='pod')
credentials = session.get_credentials()
frozen = credentials.get_frozen_credentials()
print(json.dumps({'method': credentials.method, 'accessKey': frozen.access_key, 'secretKey': frozen.secret_key,
                  'token': frozen.token, 'expiry': credentials._expiry_time.isoformat()}))
`;
    // Asynchronous: the emulator answers from this process while Python waits.
    const r = await new Promise((resolve) => {
      const child = spawn(PYTHON, ['-c', script], { env: { ...process.env, ...BASE_ENV, AWS_CONFIG_FILE: config } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('error', (error) => resolve({ error }));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    assert.ok(!r.error && !/No module named 'botocore'/.test(r.stderr),
      `${PYTHON} with botocore is needed: run \`node scripts/setup.js --test\` (npm test does) (${r.error?.message ?? r.stderr})`);
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got.method, 'custom-process');
    assert.match(got.accessKey, /^ASIA/);
    assert.notEqual(got.accessKey, DEFAULT_CALLER.accessKeyId);
    assert.equal(got.secretKey.length, 40);
    assert.ok(got.token.length > 100);
    assert.ok(Date.parse(got.expiry) > Date.now() + 5 * 3600 * 1000);
  });
});

// --- the bin in a child process ----------------------------------------------------------------

describe('the eks-auth bin', () => {
  const runBin = (args, env = {}) => new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...BASE_ENV, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr, child }));
  });

  test('assume-role-for-pod-identity and --version', async () => {
    clearFaults();
    const r = await runBin(['assume-role-for-pod-identity', ...target, '--output', 'text', '--query', 'subject']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'default\tmy-sa\n');
    const version = await runBin(['--version']);
    assert.equal(version.stdout, `${versionLine()}\n`);
    const missing = await runBin(['assume-role-for-pod-identity', '--region', REGION]);
    assert.equal(missing.code, 252);
  });

  test('Ctrl-C (SIGINT) during the request: exit 130', async () => {
    emu.setFaults({ latencyMs: NEVER_MS });
    emu.resetStats();
    try {
      const child = spawn(process.execPath, [BIN, 'assume-role-for-pod-identity', ...target], { env: { ...process.env, ...BASE_ENV } });
      let stdout = '';
      child.stdout.on('data', (d) => { stdout += d; });
      const closed = new Promise((resolve) => child.on('close', resolve));
      await until(() => emu.stats.received > 0 || child.exitCode !== null);
      assert.equal(emu.stats.received, 1, 'the request reached the emulator');
      child.kill('SIGINT');
      assert.equal(await closed, 130);
      assert.equal(stdout, '\n');
    } finally {
      clearFaults();
    }
  });
});

test('splitGlobalOptions: global options before the command move after it', () => {
  assert.deepEqual(splitGlobalOptions(['--output', 'text', 'assume-role-for-pod-identity', '--cluster-name', 'c']),
    { command: 'assume-role-for-pod-identity', argv: ['--output', 'text', '--cluster-name', 'c'] });
  assert.deepEqual(splitGlobalOptions(['--debug', '--region=us-west-2', 'env', '--token', 't']),
    { command: 'env', argv: ['--debug', '--region=us-west-2', '--token', 't'] });
  assert.deepEqual(splitGlobalOptions(['--version']), { command: '--version', argv: [] });
  assert.deepEqual(splitGlobalOptions(['sidecar', '--port', '0']), { command: 'sidecar', argv: ['--port', '0'] });
});

test('the CLI loads its heavy libraries only when a run needs them', async () => {
  // Every module a run loads, into a file: ES modules through a resolve hook, CommonJS ones (which
  // Node 20 loads without the hooks) from require's cache at exit, Node's own from its load list.
  const dir = mkdtempSync(join(tmpdir(), 'eks-auth-loads-'));
  const hooks = `data:text/javascript,${encodeURIComponent(`import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.EKS_AUTH_TEST_LOADS, resolved.url + '\\n');
  return resolved;
}`)}`;
  const preload = `data:text/javascript,${encodeURIComponent(`import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(hooks)});
process.on('exit', () => appendFileSync(process.env.EKS_AUTH_TEST_LOADS, [...Object.keys(createRequire(process.cwd() + '/').cache), ...process.moduleLoadList].join('\\n') + '\\n'));`)}`;
  let runs = 0;
  // Spawned, not spawnSync: the emulator answers from this process.
  const loads = (args) => new Promise((resolve) => {
    const file = join(dir, `run-${runs += 1}.txt`);
    writeFileSync(file, '');
    const child = spawn(process.execPath, ['--import', preload, BIN, ...args], { env: { ...process.env, ...BASE_ENV, EKS_AUTH_TEST_LOADS: file } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr, loaded: readFileSync(file, 'utf8') }));
  });
  const HEAVY = /node_modules\/(undici|yaml|jmespath|@aws-sdk\/credential-providers|@smithy\/core)\//;
  try {
    const version = await loads(['--version']);
    assert.equal(version.stdout, `${versionLine()}\n`, version.stderr);
    assert.match(version.loaded, /pkg\/cli\/command\.js/, 'the hook saw the CLI load');
    assert.doesNotMatch(version.loaded, HEAVY);
    // A refused parameter reads the profile first (the AWS CLI's order), and nothing more.
    const refused = await loads(['assume-role-for-pod-identity', '--region', REGION]);
    assert.equal(refused.status, 252);
    assert.doesNotMatch(refused.loaded, /node_modules\/(undici|yaml|jmespath|@aws-sdk\/credential-providers)\//);
    // An exchange with keys in the environment: no credential provider, no query or YAML library,
    // and Node's own http rather than undici (whose wasm parser kept the process alive at exit).
    clearFaults();
    const exchange = await loads(['credential-process', ...target]);
    assert.equal(exchange.status, 0, exchange.stderr);
    assert.equal(JSON.parse(exchange.stdout).Version, 1);
    assert.doesNotMatch(exchange.loaded, /node_modules\/(undici|yaml|jmespath|@aws-sdk\/credential-providers)\//);
    // Nor Node's own undici (behind the global fetch and Headers, ~30 ms to load).
    assert.match(exchange.loaded, /^NativeModule http$/m);
    assert.doesNotMatch(exchange.loaded, /^NativeModule internal\/deps\/undici\/undici$/m);
    // The check can fail: YAML output loads the yaml library.
    const yaml = await loads(['assume-role-for-pod-identity', '--generate-cli-skeleton', 'output', '--output', 'yaml', '--cluster-name', 'c', '--token', 'a.b.c', '--region', REGION]);
    assert.equal(yaml.status, 0, yaml.stderr);
    assert.match(yaml.loaded, /node_modules\/yaml\//);
    assert.doesNotMatch(yaml.loaded, /node_modules\/(undici|jmespath)\//);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
