// How the sidecar reaches EKS Auth, as the agent's Go SDK does (issue 20 point 5): proxies by
// Go's ProxyFromEnvironment rules (pkg/proxy.js), https through a CONNECT tunnel and http as an
// absolute-URL request (pkg/transport.js), AWS_USE_FIPS_ENDPOINT and AWS_CA_BUNDLE. End to end
// over loopback: a CONNECT proxy in the test records what passes and tunnels every CONNECT to a
// TLS server with a self-signed certificate for the FIPS endpoint's name, in front of the
// emulator; no DNS and no traffic beyond loopback.
// Run: node --test tests/js/sidecar-upstream.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { proxyFromEnvironment } from '../../pkg/proxy.js';
import { createTransport } from '../../pkg/transport.js';
import { runAgentCli } from '../../pkg/sidecar/agent-cli.js';
import { capture, waitForLine } from './support/logs.js';

const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

const REGION = 'us-west-2';
const FIPS_HOST = `eks-auth-fips.${REGION}.api.aws`;

/** The proxy (or none) `env` gives for each URL. */
const via = (env, ...urls) => {
  const proxyFor = proxyFromEnvironment(env);
  return urls.map((url) => proxyFor(new URL(url))?.href ?? 'direct');
};

describe('Go\'s ProxyFromEnvironment rules', () => {
  test('the scheme picks the variable; the upper-case name first; a bare host:port is http://', () => {
    const env = { HTTPS_PROXY: 'secure:3128', https_proxy: 'http://lower:1', HTTP_PROXY: 'http://plain:8080' };
    assert.deepEqual(via(env, 'https://eks-auth.us-west-2.api.aws/', 'http://emulator.internal/'),
      ['http://secure:3128/', 'http://plain:8080/']);
    assert.deepEqual(via({ HTTPS_PROXY: '', https_proxy: 'http://lower:1' }, 'https://a.example/'), ['http://lower:1/'], 'empty is unset');
    assert.deepEqual(via({ HTTP_PROXY: 'http://plain:8080' }, 'https://a.example/'), ['direct'], 'HTTP_PROXY is for http only');
    assert.deepEqual(via({ HTTPS_PROXY: 'https://tls-proxy:443' }, 'https://a.example/'), ['https://tls-proxy/']);
    assert.equal(proxyFromEnvironment({}).proxies, false);
  });

  test('localhost and loopback addresses are never proxied, whatever NO_PROXY says', () => {
    assert.deepEqual(via({ HTTPS_PROXY: 'p:1' }, 'https://localhost:9/', 'https://127.0.0.1/', 'https://127.9.8.7:4/', 'https://[::1]/', 'https://[::ffff:127.0.0.1]/'),
      ['direct', 'direct', 'direct', 'direct', 'direct']);
  });

  test('NO_PROXY: *, domains and their subdomains, leading . and *., IPs, CIDRs, ports, case', () => {
    const env = {
      HTTPS_PROXY: 'p:1',
      NO_PROXY: ' Internal.Example , .svc.local,*.corp.example,10.0.0.0/8, fd00::/16,192.0.2.7,[2001:db8::1]:443,eks.example:8443,bücher.example',
    };
    const cases = {
      'https://internal.example/': 'direct', // the domain itself
      'https://a.b.internal.example/': 'direct', // and its subdomains
      'https://xinternal.example/': 'http://p:1/', // a suffix that is not a label
      'https://svc.local/': 'http://p:1/', // leading dot: subdomains only
      'https://api.svc.local/': 'direct',
      'https://corp.example/': 'http://p:1/', // *. as a leading dot
      'https://x.corp.example/': 'direct',
      'https://10.200.3.4/': 'direct', // in the CIDR, any port
      'https://10.200.3.4:9443/': 'direct',
      'https://11.0.0.1/': 'http://p:1/',
      'https://[fd00:1::5]/': 'direct',
      'https://192.0.2.7:8443/': 'direct', // an IP, any port
      'https://192.0.2.8/': 'http://p:1/',
      'https://[2001:db8::1]/': 'direct', // an IP with a port: that port only (443 by default)
      'https://[2001:db8::1]:444/': 'http://p:1/',
      'https://eks.example:8443/': 'direct', // a domain with a port
      'https://eks.example/': 'http://p:1/',
      'https://xn--bcher-kva.example/': 'direct', // the entry in punycode, as the URL
      'https://eks-auth.us-west-2.api.aws/': 'http://p:1/',
    };
    assert.deepEqual(Object.fromEntries(Object.keys(cases).map((url) => [url, via(env, url)[0]])), cases);
    assert.deepEqual(via({ HTTPS_PROXY: 'p:1', no_proxy: '*' }, 'https://eks-auth.us-west-2.api.aws/'), ['direct']);
    assert.deepEqual(via({ HTTPS_PROXY: 'p:1', NO_PROXY: 'a.example,*' }, 'https://b.example/'), ['direct'], '* anywhere in the list');
    assert.deepEqual(via({ HTTPS_PROXY: 'p:1', NO_PROXY: '', no_proxy: 'b.example' }, 'https://b.example/'), ['direct'], 'an empty NO_PROXY is unset');
  });
});

/** A CONNECT proxy on loopback: records each CONNECT, tunnels it to `tunnelTo()` (a port), or answers `status`. */
async function startConnectProxy({ tunnelTo, status = 200, hang = false }) {
  const seen = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    // Absolute-form requests (http through the proxy): recorded and answered here.
    seen.push({ method: req.method, target: req.url, host: req.headers.host, authorization: req.headers['proxy-authorization'] });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"via":"proxy"}');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, client, head) => {
    seen.push({ method: 'CONNECT', target: req.url, authorization: req.headers['proxy-authorization'] });
    if (hang) return;
    if (status !== 200) {
      client.end(`HTTP/1.1 ${status} Refused\r\n\r\n`);
      return;
    }
    const upstream = connect(tunnelTo(), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    seen,
    port: server.address().port,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(resolve);
    }),
  };
}

describe('the transport through a proxy', () => {
  test('http: an absolute-URL request to the proxy, with the Host and Proxy-Authorization Go sends', async (t) => {
    const proxy = await startConnectProxy({ tunnelTo: () => 1 });
    t.after(() => proxy.close());
    const transport = createTransport({ proxy: proxyFromEnvironment({ HTTP_PROXY: `http://user:p%40ss@127.0.0.1:${proxy.port}` }) });
    t.after(() => transport.close());
    const answer = await transport.fetch('http://eks-auth.internal:8080/clusters/c/assume-role-for-pod-identity', { method: 'POST', body: '{}' });
    assert.equal(await answer.text(), '{"via":"proxy"}');
    assert.deepEqual(proxy.seen, [{
      method: 'POST',
      target: 'http://eks-auth.internal:8080/clusters/c/assume-role-for-pod-identity',
      host: 'eks-auth.internal:8080',
      authorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
    }]);
  });

  test('a proxy that never answers CONNECT is the connect timeout; one that refuses is an error', async (t) => {
    const silent = await startConnectProxy({ tunnelTo: () => 1, hang: true });
    const refusing = await startConnectProxy({ tunnelTo: () => 1, status: 403 });
    t.after(() => Promise.all([silent.close(), refusing.close()]));
    const through = (proxy) => createTransport({ connectTimeoutMs: 300, proxy: proxyFromEnvironment({ HTTPS_PROXY: `127.0.0.1:${proxy.port}` }) });
    const hung = through(silent);
    t.after(() => hung.close());
    await assert.rejects(hung.fetch(`https://${FIPS_HOST}/`), { name: 'Error', code: 'ConnectTimeout' });
    assert.deepEqual(silent.seen.map((s) => s.target), [`${FIPS_HOST}:443`]);
    const refused = through(refusing);
    t.after(() => refused.close());
    await assert.rejects(refused.fetch(`https://${FIPS_HOST}/`), /403/);
  });

  test('a socks5 proxy is refused by name, not connected to', async (t) => {
    const transport = createTransport({ proxy: proxyFromEnvironment({ HTTPS_PROXY: 'socks5://127.0.0.1:1' }) });
    t.after(() => transport.close());
    await assert.rejects(transport.fetch(`https://${FIPS_HOST}/`), { code: 'UnsupportedProxy', message: /socks5 proxy 127\.0\.0\.1:1 is not supported/ });
  });
});

describe('eks-pod-identity-agent server: HTTPS_PROXY, AWS_USE_FIPS_ENDPOINT, AWS_CA_BUNDLE', () => {
  let dir;
  let bundle;
  let emulator;
  let tls;
  before(async () => {
    assert.equal(spawnSync('openssl', ['version']).status, 0, 'these tests need the openssl command');
    dir = mkdtempSync(join(tmpdir(), 'sidecar-upstream-'));
    bundle = join(dir, 'ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', bundle,
      '-days', '2', '-subj', `/CN=${FIPS_HOST}`, '-addext', `subjectAltName=DNS:${FIPS_HOST}`], { stdio: 'pipe' });
    emulator = await startEmulator({
      region: REGION,
      associations: [{ cluster: 'c', namespace: 'default', serviceAccount: 'app', roleArn: 'arn:aws:iam::111122223333:role/app' }],
    });
    // EKS Auth's FIPS name over TLS, in front of the emulator (the Host header passes as signed).
    tls = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(bundle) }, (req, res) => {
      const upstream = http.request({ host: '127.0.0.1', port: emulator.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise((resolve) => tls.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    tls.closeAllConnections();
    await new Promise((resolve) => tls.close(resolve));
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the agent's server with `env`; returns its listening record, logs and stop(). */
  async function serve(env) {
    const stdout = capture();
    const stderr = capture();
    const stop = new AbortController();
    const exited = runAgentCli(
      ['server', '--cluster-name', 'c', '-p', '0', '-b', '127.0.0.1', '--probe-port', '0', '--metrics-port', '0', '--metrics-address', '127.0.0.1'],
      { env: { AWS_REGION: REGION, ...env }, credentials: DEFAULT_CALLER, stdout: stdout.stream, stderr: stderr.stream, signal: stop.signal },
    );
    const listening = await Promise.race([
      waitForLine(stdout.text, (r) => r.msg === 'listening'),
      exited.then((code) => { throw new Error(`exited ${code}: ${stderr.text()}`); }),
    ]);
    return {
      listening,
      logs: () => stdout.text() + stderr.text(),
      stop: async () => {
        stop.abort();
        return exited;
      },
    };
  }

  test('the FIPS endpoint, through the CONNECT proxy with its credentials, trusting the CA bundle', async (t) => {
    const proxy = await startConnectProxy({ tunnelTo: () => tls.address().port });
    t.after(() => proxy.close());
    const sidecar = await serve({
      AWS_USE_FIPS_ENDPOINT: 'true', AWS_CA_BUNDLE: bundle, HTTPS_PROXY: `http://agent:s3cret@127.0.0.1:${proxy.port}`, NO_PROXY: '10.0.0.0/8,.cluster.local',
    });
    assert.equal(sidecar.listening.useFips, true);
    assert.equal(sidecar.listening.httpsProxy, `127.0.0.1:${proxy.port}`, 'the proxy\'s host, without its password');
    assert.equal(sidecar.listening.caBundle, bundle);
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'app' });
    const credentials = await fromHttp({ awsContainerCredentialsFullUri: sidecar.listening.url, awsContainerAuthorizationToken: token })();
    assert.match(credentials.accessKeyId, /^ASIA/);
    assert.deepEqual(proxy.seen, [{ method: 'CONNECT', target: `${FIPS_HOST}:443`, authorization: `Basic ${Buffer.from('agent:s3cret').toString('base64')}` }]);
    assert.equal(await sidecar.stop(), 0);
    assert.ok(!sidecar.logs().includes('s3cret'), 'the proxy password is not logged');
  });

  test('without AWS_CA_BUNDLE the self-signed endpoint is not trusted: 500, and EKS Auth never answered', async (t) => {
    const proxy = await startConnectProxy({ tunnelTo: () => tls.address().port });
    t.after(() => proxy.close());
    const before = emulator.stats.received;
    const sidecar = await serve({ AWS_USE_FIPS_ENDPOINT: 'TRUE', HTTPS_PROXY: `127.0.0.1:${proxy.port}` });
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'app' });
    const answer = await fetch(sidecar.listening.url, { headers: { authorization: token } });
    assert.equal(answer.status, 500);
    assert.ok(proxy.seen.length >= 1 && proxy.seen.every((s) => s.target === `${FIPS_HOST}:443`));
    assert.equal(emulator.stats.received, before);
    assert.equal(await sidecar.stop(), 0);
  });

  test('a loopback endpoint is reached directly, HTTPS_PROXY and HTTP_PROXY set or not', async (t) => {
    const proxy = await startConnectProxy({ tunnelTo: () => tls.address().port });
    t.after(() => proxy.close());
    const sidecar = await serve({ AWS_ENDPOINT_URL_EKS_AUTH: emulator.endpoint, HTTPS_PROXY: `127.0.0.1:${proxy.port}`, HTTP_PROXY: `127.0.0.1:${proxy.port}` });
    const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'app' });
    const credentials = await fromHttp({ awsContainerCredentialsFullUri: sidecar.listening.url, awsContainerAuthorizationToken: token })();
    assert.match(credentials.accessKeyId, /^ASIA/);
    assert.deepEqual(proxy.seen, []);
    assert.equal(await sidecar.stop(), 0);
  });

  test('an AWS_USE_FIPS_ENDPOINT that is not true or false, or an unreadable AWS_CA_BUNDLE, exits 1', async () => {
    for (const [env, message] of [
      [{ AWS_USE_FIPS_ENDPOINT: 'yes' }, "AWS_USE_FIPS_ENDPOINT expects true or false, got 'yes'"],
      [{ AWS_CA_BUNDLE: join(dir, 'absent.pem') }, `AWS_CA_BUNDLE: cannot read ${join(dir, 'absent.pem')} (ENOENT)`],
      [{ AWS_CA_BUNDLE: join(dir, 'key.pem') }, `AWS_CA_BUNDLE: ${join(dir, 'key.pem')} holds no PEM certificate`],
    ]) {
      const stdout = capture();
      const stderr = capture();
      const code = await runAgentCli(['server', '--cluster-name', 'c'], { env: { AWS_REGION: REGION, ...env }, stdout: stdout.stream, stderr: stderr.stream });
      assert.equal(code, 1);
      assert.equal(stderr.text(), `Error: ${message}\nRun 'eks-pod-identity-agent server --help' for usage.\n`);
    }
  });
});
