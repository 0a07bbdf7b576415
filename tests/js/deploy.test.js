// Tests of deploy/: the Kubernetes manifests and Dockerfile, checked against the sidecar's own flag
// parser and then run as they describe (the sidecar on loopback; the DaemonSet's init container and
// agent in a private network namespace), and the Cloudflare Worker bundled by `wrangler deploy
// --dry-run` from the packed package installed in a temporary project, run in workerd (miniflare).
// Everything talks to the local emulator; nothing leaves the machine.
// Run: node --test tests/js/deploy.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { buildAssumeRoleRequest, hostAllowed } from 'eks-auth-wasm';
import {
  DEFAULT_CALLER, DEFAULT_TOKEN_LIFETIME_SECONDS, POD_IDENTITY_AUDIENCE, startEmulator,
} from '../../pkg/emulator/index.js';
import {
  CREDENTIALS_PATH, DEFAULT_PORTS, USAGE, envName, parseSidecarArgs, startSidecar,
} from '../../pkg/sidecar/index.js';
import { bundleModules, packedProject, wranglerBundle } from '../hosts/harness.js';
import { assertAgentContract, contractTokens } from '../hosts/contract.js';

/** Temporary projects to remove when the file's tests end. */
const cleanups = [];
after(() => { for (const cleanup of cleanups) cleanup(); });

const root = fileURLToPath(new URL('../../', import.meta.url));
const K8S = join(root, 'deploy/kubernetes');
const CF = join(root, 'deploy/cloudflare');
const CLI = join(root, 'pkg/bin/eks-auth.js');

/** The agent's addresses, and the URL the EKS webhook gives pods for them. */
const AGENT_HOSTS = ['169.254.170.23', 'fd00:ec2::23'];
const WEBHOOK_URL = 'http://169.254.170.23/v1/credentials';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/app';

// One key for the emulators of this file: RSA generation is the slow part of a start.
const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const isLoopback = (host) => /^127\./.test(host) || host === '::1' || host === 'localhost';
const isWildcard = (host) => host === '0.0.0.0' || host === '::';

// ---------------------------------------------------------------------------------------------
// Kubernetes: reading the manifests
// ---------------------------------------------------------------------------------------------

/** Every document of a manifest, as plain objects; a YAML error fails the test. */
function loadManifest(name) {
  const documents = YAML.parseAllDocuments(readFileSync(join(K8S, name), 'utf8'));
  for (const document of documents) assert.deepEqual(document.errors, [], `${name}: YAML errors`);
  return documents.map((document) => document.toJS());
}

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'Pod']);

/** The pod templates of a manifest: `{ kind, name, namespace, annotations, spec, resource }`. */
function workloads(documents) {
  return documents.filter((d) => WORKLOAD_KINDS.has(d?.kind)).map((resource) => {
    const template = resource.kind === 'Pod' ? resource : resource.spec.template;
    return {
      kind: resource.kind,
      name: resource.metadata.name,
      namespace: resource.metadata.namespace ?? 'default',
      annotations: template.metadata?.annotations ?? {},
      spec: template.spec,
      resource,
    };
  });
}

const containersOf = (spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
/** Our image runs `eks-auth` (Dockerfile ENTRYPOINT); `args` name the subcommand. */
const isSidecar = (container) => container.args?.[0] === 'sidecar';
const isApp = (container) => (container.env ?? []).some((e) => e.name === 'AWS_CONTAINER_CREDENTIALS_FULL_URI');

/** A container's literal variables (what the sidecar would see; `valueFrom` is not resolvable here). */
function envOf(container) {
  const env = {};
  for (const variable of container.env ?? []) {
    assert.ok('value' in variable && !variable.valueFrom, `${container.name}: ${variable.name} is a literal value`);
    env[variable.name] = String(variable.value);
  }
  return env;
}

/** What the sidecar makes of a container's args and env: the real parser, nothing else in the env. */
function sidecarSettings(container) {
  const settings = parseSidecarArgs(container.args.slice(1), { env: envOf(container) });
  assert.equal(settings.help, false);
  return settings.options;
}

/** `EKS_AUTH_*` names the sidecar reads (a misspelt one would be ignored silently). */
const KNOWN_VARIABLES = new Set([...USAGE.matchAll(/--([a-z][a-z-]+)/g)].map(([, flag]) => envName(flag)));

/** A probe's or containerPort's port, by number or by the container's port name. */
function portOf(container, port) {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p) => p.name === port);
  assert.ok(named, `${container.name}: port name '${port}' is declared`);
  return named.containerPort;
}

const MANIFESTS = ['sidecar.yaml', 'daemonset.yaml', 'daemonset-hybrid.yaml'];
const manifests = Object.fromEntries(MANIFESTS.map((name) => [name, loadManifest(name)]));

/** Every sidecar container of every manifest, with its pod and parsed settings. */
function allSidecars() {
  return MANIFESTS.flatMap((file) => workloads(manifests[file]).flatMap((workload) =>
    containersOf(workload.spec).filter(isSidecar).map((container) => ({
      file, workload, container, options: sidecarSettings(container),
    }))));
}

// ---------------------------------------------------------------------------------------------
// Kubernetes: static consistency
// ---------------------------------------------------------------------------------------------

describe('kubernetes manifests', () => {
  test('each manifest holds one workload with the sidecar; sidecar.yaml an app next to it', () => {
    const sidecarPod = workloads(manifests['sidecar.yaml']);
    assert.deepEqual(sidecarPod.map((w) => w.kind), ['Deployment']);
    assert.equal(containersOf(sidecarPod[0].spec).filter(isSidecar).length, 1);
    assert.equal(containersOf(sidecarPod[0].spec).filter(isApp).length, 1);
    for (const file of ['daemonset.yaml', 'daemonset-hybrid.yaml']) {
      const agent = workloads(manifests[file]);
      assert.deepEqual(agent.map((w) => w.kind), ['DaemonSet'], file);
      assert.equal(containersOf(agent[0].spec).filter(isSidecar).length, 1, file);
    }
    // Each pod's ServiceAccount is in the same manifest.
    for (const file of MANIFESTS) {
      for (const { spec, namespace } of workloads(manifests[file])) {
        assert.ok(manifests[file].some((d) => d.kind === 'ServiceAccount' && d.metadata.name === spec.serviceAccountName
          && (d.metadata.namespace ?? 'default') === namespace), `${file}: ServiceAccount ${spec.serviceAccountName}`);
      }
    }
  });

  test('sidecar args and env: the real parser accepts them, the core accepts the cluster and region', () => {
    for (const { file, container, options } of allSidecars()) {
      for (const { name } of container.env ?? []) {
        if (name.startsWith('EKS_AUTH_')) assert.ok(KNOWN_VARIABLES.has(name), `${file}: ${name} is an option variable`);
      }
      assert.ok(options.clusterName && options.region, `${file}: cluster and region set`);
      assert.equal(options.endpoint, undefined, `${file}: the region's EKS Auth endpoint`);
      // What startSidecar checks before binding: the request the sidecar will send can be built.
      buildAssumeRoleRequest({ clusterName: options.clusterName, region: options.region, token: 'e30.e30.e30', now: Date.now() });
    }
  });

  test('ports, probes and Prometheus annotations point at what the sidecar listens on', () => {
    for (const { file, workload, container, options } of allSidecars()) {
      const at = `${file} ${container.name}`;
      const hostNetwork = workload.spec.hostNetwork === true;
      // Declared ports are the sidecar's, by the names the probes use.
      const ours = { probes: options.probePort, metrics: options.metricsPort, credentials: options.port };
      for (const port of container.ports ?? []) {
        assert.equal(port.containerPort, ours[port.name], `${at}: containerPort ${port.name}`);
      }
      // Probes: the probe server's port and paths, at an address the kubelet reaches.
      const probes = { startupProbe: '/readyz', readinessProbe: '/readyz', livenessProbe: '/healthz' };
      assert.ok(container.readinessProbe && container.livenessProbe, `${at}: readiness and liveness probes`);
      for (const [kind, path] of Object.entries(probes)) {
        const probe = container[kind];
        if (!probe) continue;
        assert.equal(probe.httpGet.path, path, `${at}: ${kind} path`);
        assert.equal(portOf(container, probe.httpGet.port), options.probePort, `${at}: ${kind} port`);
        if (probe.httpGet.host) {
          // The kubelet's loopback is the pod's only with hostNetwork.
          assert.ok(hostNetwork && isLoopback(probe.httpGet.host), `${at}: ${kind} host ${probe.httpGet.host}`);
          assert.ok(options.probeHost === probe.httpGet.host || isWildcard(options.probeHost), `${at}: probes listen on ${probe.httpGet.host}`);
        } else {
          assert.ok(isWildcard(options.probeHost), `${at}: the kubelet probes the pod IP, so probes listen on every address`);
        }
      }
      // Prometheus scrapes the pod IP.
      assert.equal(workload.annotations['prometheus.io/scrape'], 'true', `${at}: scrape annotation`);
      assert.equal(workload.annotations['prometheus.io/port'], String(options.metricsPort), `${at}: metrics port annotation`);
      assert.equal(workload.annotations['prometheus.io/path'], '/metrics', `${at}: metrics path annotation`);
      assert.ok(isWildcard(options.metricsHost), `${at}: metrics on every address`);
      // Credentials: never on the pod IP; the agent's addresses only with hostNetwork.
      if (hostNetwork) {
        assert.deepEqual([...options.hosts].sort(), AGENT_HOSTS, `${at}: the agent's addresses`);
        assert.equal(options.port, 80, `${at}: the agent's port`);
      } else {
        assert.ok(options.hosts.every(isLoopback), `${at}: credentials on loopback only (${options.hosts})`);
      }
    }
  });

  test('security contexts: no escalation, read-only root, ALL dropped; root only with NET_BIND_SERVICE for port 80', () => {
    for (const { file, container, options } of allSidecars()) {
      const at = `${file} ${container.name}`;
      const context = container.securityContext ?? {};
      assert.equal(context.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
      assert.equal(context.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
      assert.ok(context.capabilities?.drop?.includes('ALL'), `${at}: drops ALL capabilities`);
      if (options.port < 1024) {
        // Without ambient capabilities, only UID 0 keeps an added capability (checked for real below).
        assert.deepEqual(context.capabilities.add, ['NET_BIND_SERVICE'], `${at}: NET_BIND_SERVICE only`);
        assert.equal(context.runAsUser, 0, `${at}: UID 0 for port ${options.port}`);
      } else {
        assert.equal(context.capabilities.add, undefined, `${at}: no capability added`);
        assert.equal(context.runAsNonRoot, true, `${at}: runAsNonRoot`);
      }
      for (const kind of ['requests', 'limits']) {
        assert.ok(container.resources?.[kind]?.cpu && container.resources?.[kind]?.memory, `${at}: resources.${kind}`);
      }
    }
  });

  test('sidecar.yaml: the app reaches the sidecar, and only the app mounts the projected token', () => {
    const [{ spec }] = workloads(manifests['sidecar.yaml']);
    const sidecar = containersOf(spec).find(isSidecar);
    const options = sidecarSettings(sidecar);
    const app = containersOf(spec).find(isApp);
    const env = envOf(app);

    const url = new URL(env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
    assert.equal(url.protocol, 'http:');
    assert.equal(url.pathname, CREDENTIALS_PATH);
    assert.equal(Number(url.port || 80), options.port);
    assert.ok(options.hosts.includes(url.hostname), `${url.hostname} is bound`);
    assert.ok(hostAllowed(url.host, options.hosts), 'the Host header the SDK sends passes the sidecar check');

    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const mount = (app.volumeMounts ?? []).find((m) => m.mountPath === posix.dirname(tokenFile));
    assert.ok(mount, `a volume is mounted at ${posix.dirname(tokenFile)}`);
    assert.equal(mount.readOnly, true);
    const volume = spec.volumes.find((v) => v.name === mount.name);
    const projection = volume.projected.sources.find((s) => s.serviceAccountToken).serviceAccountToken;
    assert.equal(projection.audience, POD_IDENTITY_AUDIENCE);
    assert.equal(projection.expirationSeconds, DEFAULT_TOKEN_LIFETIME_SECONDS);
    assert.equal(projection.path, posix.basename(tokenFile));
    // The sidecar gets the token from the request, never from the volume.
    assert.ok(!(sidecar.volumeMounts ?? []).some((m) => m.name === mount.name), 'the sidecar does not mount the token');

    // A native sidecar: started (startup probe passed) before the app.
    assert.ok(spec.initContainers.includes(sidecar) && sidecar.restartPolicy === 'Always');
    assert.ok(sidecar.startupProbe);
  });

  test('sidecar.yaml: the sidecar signs with the node\'s credentials (default chain, instance role through IMDSv2), never the app\'s', () => {
    const [{ spec }] = workloads(manifests['sidecar.yaml']);
    const sidecar = containersOf(spec).find(isSidecar);
    const app = containersOf(spec).find(isApp);
    const names = (container) => (container.env ?? []).map((e) => e.name);
    // Nothing that would take the chain off the instance role: no keys, IMDS not disabled, and not
    // the container-credentials variables (the sidecar would ask itself).
    const NOT_ON_SIDECAR = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'];
    assert.deepEqual(names(sidecar).filter((n) => NOT_ON_SIDECAR.includes(n)), []);
    assert.ok(!(sidecar.envFrom ?? []).length, 'no variables from elsewhere');
    // The app gets credentials only from the sidecar.
    assert.deepEqual(names(app).filter((n) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE)$/.test(n)), []);
    // Without hostNetwork the IMDSv2 answer crosses one more hop: the manifest says so.
    assert.notEqual(spec.hostNetwork, true);
    assert.match(readFileSync(join(K8S, 'sidecar.yaml'), 'utf8'), /IMDSv2 only with a hop limit of 2/);
    assert.match(readFileSync(join(root, 'README.md'), 'utf8'), /IMDSv2[^.]*hop limit of 2/);
  });

  test('daemonset.yaml: the agent on every node, as the add-on is installed', () => {
    const [{ spec, resource }] = workloads(manifests['daemonset.yaml']);
    const agent = containersOf(spec).find(isSidecar);
    const options = sidecarSettings(agent);
    assert.equal(spec.hostNetwork, true);
    assert.equal(spec.priorityClassName, 'system-node-critical');
    assert.ok(spec.tolerations.some((t) => t.operator === 'Exists' && !t.key), 'tolerates every taint');
    assert.ok(spec.terminationGracePeriodSeconds >= 30, 'time to drain');
    assert.equal(resource.spec.updateStrategy.type, 'RollingUpdate');
    assert.ok([undefined, 0, '0', '0%'].includes(resource.spec.updateStrategy.rollingUpdate?.maxSurge), 'no surge: one port 80 per node');
    // The URL the EKS webhook injects into pods reaches this agent.
    const url = new URL(WEBHOOK_URL);
    assert.ok(options.hosts.includes(url.hostname) && Number(url.port || 80) === options.port);
    assert.ok(hostAllowed(url.host, options.hosts));

    // The init container puts the addresses on the node: NET_ADMIN only, same image, the agent's
    // `initialize` at the image's entry path (run below).
    const [init] = spec.initContainers;
    assert.equal(init.image, agent.image);
    assert.deepEqual(init.securityContext.capabilities, { drop: ['ALL'], add: ['NET_ADMIN'] });
    assert.equal(init.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(init.command, ['/eks-pod-identity-agent', 'initialize']);
    assert.ok(imageEntryPaths()[init.command[0]], `the image has ${init.command[0]}`);
  });

  /** A DaemonSet's node affinity: its one term's match expressions, by key. */
  const affinityOf = (spec) => {
    const terms = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.equal(terms.length, 1, 'one term: every expression must hold');
    return Object.fromEntries(terms[0].matchExpressions.map(({ key, operator, values }) => [key, { operator, values }]));
  };

  test('daemonset.yaml: the agent chart\'s nodes only: Linux, amd64 or arm64, not fargate, hybrid or auto', () => {
    const [{ spec }] = workloads(manifests['daemonset.yaml']);
    // The chart's affinity (charts/eks-pod-identity-agent/values.yaml:84-103, agent 0.1.37).
    assert.deepEqual(affinityOf(spec), {
      'kubernetes.io/os': { operator: 'In', values: ['linux'] },
      'kubernetes.io/arch': { operator: 'In', values: ['amd64', 'arm64'] },
      'eks.amazonaws.com/compute-type': { operator: 'NotIn', values: ['fargate', 'hybrid', 'auto'] },
    });
    const agent = containersOf(spec).find(isSidecar);
    assert.equal(parseSidecarArgs(agent.args.slice(1), { env: envOf(agent) }).rotateCredentials, false, 'the default chain (IMDS)');
  });

  test('daemonset-hybrid.yaml: hybrid nodes only, signing with the node\'s rotated credentials file (--rotate-credentials)', () => {
    const [{ spec, name }] = workloads(manifests['daemonset-hybrid.yaml']);
    const [{ name: cloudName, spec: cloudSpec }] = workloads(manifests['daemonset.yaml']);
    assert.notEqual(name, cloudName, 'two DaemonSets');
    // The chart's hybrid DaemonSet (values.yaml:8-43): compute type hybrid, not Bottlerocket.
    assert.deepEqual(affinityOf(spec), {
      'kubernetes.io/os': { operator: 'In', values: ['linux'] },
      'kubernetes.io/arch': { operator: 'In', values: ['amd64', 'arm64'] },
      'eks.amazonaws.com/compute-type': { operator: 'In', values: ['hybrid'] },
      'os.bottlerocket.aws/variant': { operator: 'DoesNotExist', values: undefined },
      'os.bottlerocket.aws/version': { operator: 'DoesNotExist', values: undefined },
    });
    // No node gets both: the cloud one excludes the compute type this one requires.
    assert.ok(affinityOf(cloudSpec)['eks.amazonaws.com/compute-type'].values.includes('hybrid'));
    const agent = containersOf(spec).find(isSidecar);
    const settings = parseSidecarArgs(agent.args.slice(1), { env: envOf(agent) });
    assert.equal(settings.rotateCredentials, true);
    // The file it reads is the node's, mounted read-only (the chart mounts /eks-hybrid/.aws at /root/.aws).
    const file = envOf(agent).AWS_SHARED_CREDENTIALS_FILE;
    const mount = agent.volumeMounts.find((m) => file.startsWith(`${m.mountPath}/`));
    assert.ok(mount?.readOnly, `${file} is on a read-only mount`);
    assert.deepEqual(spec.volumes.find((v) => v.name === mount.name).hostPath, { path: '/eks-hybrid/.aws', type: 'Directory' });
    // Otherwise the same pod as daemonset.yaml: the same args but the flag, the same init container.
    const cloudAgent = containersOf(cloudSpec).find(isSidecar);
    assert.deepEqual(agent.args.filter((a) => a !== '--rotate-credentials'), cloudAgent.args);
    assert.deepEqual(spec.initContainers, cloudSpec.initContainers);
    assert.deepEqual(agent.securityContext, cloudAgent.securityContext);
  });

  test('every eks-auth container runs the one image', () => {
    const images = new Set(MANIFESTS.flatMap((file) => workloads(manifests[file])
      .flatMap((w) => containersOf(w.spec)).filter((c) => c.image.includes('eks-auth')).map((c) => c.image)));
    assert.equal(images.size, 1, [...images].join(', '));
  });
});

// ---------------------------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------------------------

/** Instructions as `{ op, args }`, continuation lines joined, comments dropped. */
function parseDockerfile(text) {
  const lines = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && pending === '') continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) lines.push(full);
  }
  return lines.map((line) => {
    const [, op, args] = /^(\w+)\s+(.*)$/s.exec(line);
    return { op: op.toUpperCase(), args };
  });
}

describe('Dockerfile', () => {
  const instructions = parseDockerfile(readFileSync(join(K8S, 'Dockerfile'), 'utf8'));
  const all = (op) => instructions.filter((i) => i.op === op);
  const last = (op) => all(op).at(-1);

  test('node:22-slim (the LTS line npm test also runs the Node hosts on), root by default as the agent\'s image, the ports the sidecar uses', () => {
    assert.match(all('FROM')[0].args, /^node:22-slim(\s|$)/);
    assert.ok(!instructions.some((i) => i.op === 'RUN' && /cargo|rustup|wasm-bindgen/.test(i.args)), 'no Rust build in the image');
    // The agent's chart sets no runAsUser and binds port 80: the image's user is root. Every
    // container of the manifests here names its own (numeric, so runAsNonRoot can be checked).
    assert.ok(all('USER').every((i) => /^(0|root)(:|$)/.test(i.args)), 'no USER but root');
    for (const file of MANIFESTS) {
      for (const { spec } of workloads(manifests[file])) {
        for (const container of containersOf(spec).filter((c) => c.image.includes('eks-auth'))) {
          assert.ok(Number.isInteger(container.securityContext?.runAsUser), `${file} ${container.name}: runAsUser is set`);
        }
      }
    }
    const exposed = all('EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => Number(p.replace(/\/tcp$/, '')));
    assert.deepEqual(exposed.sort(), Object.values(DEFAULT_PORTS).sort());
  });

  test('copies what exists and what the .dockerignore lets through', () => {
    const ignore = readFileSync(join(K8S, 'Dockerfile.dockerignore'), 'utf8').split('\n').map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(ignore[0], '*', 'an allowlist');
    const allowed = new Set(ignore.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, '')));
    for (const { args } of all('COPY')) {
      const parts = args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        const path = source.replace(/\/$/, '');
        assert.ok(existsSync(join(root, path)), `COPY ${source}: exists`);
        assert.ok(allowed.has(path), `COPY ${source}: in the build context`);
      }
    }
  });

  test('ENTRYPOINT + CMD run `eks-auth sidecar`, and the manifests give the same subcommand', () => {
    const workdir = last('WORKDIR').args;
    const entrypoint = JSON.parse(last('ENTRYPOINT').args);
    const cmd = JSON.parse(last('CMD').args);
    assert.equal(entrypoint[0], 'node');
    assert.equal(entrypoint[1], posix.join(workdir, 'pkg/bin/eks-auth.js'), 'the package is copied to WORKDIR');
    assert.ok(all('COPY').some((i) => /^pkg\/\s+\.\/pkg\/$/.test(i.args)), 'COPY pkg/ ./pkg/');
    assert.deepEqual(cmd, ['sidecar']);
    // The same command here, with the package at the repository root.
    const help = execFileSync(process.execPath, [CLI, ...cmd, '--help'], { encoding: 'utf8' });
    assert.match(help, /^Usage: eks-auth sidecar /);
    for (const { container } of allSidecars()) assert.equal(container.args[0], cmd[0]);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes: the configurations, run
// ---------------------------------------------------------------------------------------------

test('sidecar.yaml runs: its sidecar settings serve the app container\'s SDK (fromHttp) on loopback', async (t) => {
  const [{ spec, namespace, annotations }] = workloads(manifests['sidecar.yaml']);
  const sidecarContainer = containersOf(spec).find(isSidecar);
  const options = sidecarSettings(sidecarContainer);
  const appEnv = envOf(containersOf(spec).find(isApp));

  const emulator = await startEmulator({
    region: options.region,
    signingKey: SIGNING_KEY,
    associations: [{ cluster: options.clusterName, namespace, serviceAccount: spec.serviceAccountName, roleArn: ROLE_ARN }],
  });
  t.after(() => emulator.close());
  const logs = [];
  // The manifest's settings, with free loopback ports; the emulator stands in for EKS Auth and its
  // development key for the default chain.
  assert.ok(options.hosts.every(isLoopback));
  const sidecar = await startSidecar({
    ...options,
    port: 0,
    probePort: 0,
    probeHost: '127.0.0.1',
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    endpoint: emulator.endpoint,
    credentials: DEFAULT_CALLER,
    logger: (record) => logs.push(JSON.stringify(record)),
  });
  t.after(() => sidecar.close());

  // The app's two variables, with the port the sidecar got.
  const url = new URL(appEnv.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  url.port = String(sidecar.port);
  const dir = await mkdtemp(join(tmpdir(), 'eks-auth-deploy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const token = await emulator.mintToken({ namespace, serviceAccount: spec.serviceAccountName });
  const tokenFile = join(dir, posix.basename(appEnv.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE));
  await writeFile(tokenFile, token);

  const credentials = await fromHttp({ awsContainerCredentialsFullUri: url.href, awsContainerAuthorizationTokenFile: tokenFile })();
  assert.match(credentials.accessKeyId, /^ASIA/);
  assert.ok(credentials.secretAccessKey && credentials.sessionToken);
  assert.ok(credentials.expiration.getTime() > Date.now());

  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const { path } = sidecarContainer[probe].httpGet;
    const response = await fetch(`${sidecar.probeUrl}${path}`);
    assert.equal(response.status, 200, `${path}: ${await response.text()}`);
  }
  const metrics = await (await fetch(new URL(annotations['prometheus.io/path'], sidecar.metricsUrl))).text();
  assert.match(metrics, /pod_identity_http_response\{code="200"\} 1/);
  assert.ok(!logs.some((line) => line.includes(token) || line.includes(credentials.secretAccessKey)), 'no token or secret in the logs');
});

/** Root, and the tools to make a network namespace and drop capabilities (CI has them: it runs as root). */
/**
 * Runs `run(input)` in a child process inside `unshare --net` (a fresh network namespace: only its
 * own loopback) and resolves to the report it returns. `run` is self-contained: it is sent as text.
 */
async function inNetworkNamespace(run, input) {
  const script = `const input = JSON.parse(process.env.EKS_AUTH_NETNS_INPUT);
      (${run.toString()})(input).then((report) => process.stdout.write(JSON.stringify(report)),
        (error) => { console.error(error); process.exit(1); });`;
  const child = spawn('unshare', ['--net', '--', process.execPath, '--input-type=module', '-e', script], {
    cwd: root, env: { ...process.env, EKS_AUTH_NETNS_INPUT: JSON.stringify(input) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000); // a guard against a hang only
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  assert.equal(code, 0, `the namespace run failed: ${stderr}`);
  return JSON.parse(stdout);
}

function netnsUnavailable() {
  if (process.getuid?.() !== 0) return 'needs root (a network namespace and setpriv)';
  for (const [tool, args] of [['unshare', ['--net', 'true']], ['setpriv', ['--help']], ['ip', ['-V']]]) {
    if (spawnSync(tool, args, { stdio: 'ignore' }).status !== 0) return `${tool} ${args.join(' ')} does not run here`;
  }
  return false;
}

/**
 * Runs inside `unshare --net` (a fresh network namespace: only its own loopback), as a script of its
 * own: the DaemonSet's init container with NET_ADMIN only, then the agent from the manifest's args and
 * env as UID 0 with NET_BIND_SERVICE only, then an SDK on the agent's addresses. Returns a report.
 */
async function netnsRun({ rootPath, rootUrl, initCommand, args, env, association, signingKey, probePort, metricsPort, probePaths, metricsPath }) {
  const { execFileSync, spawn } = await import('node:child_process');
  const { chmodSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { request } = await import('node:http');
  const { tmpdir } = await import('node:os');
  const { dirname, join } = await import('node:path');
  const { once } = await import('node:events');
  const { DEFAULT_CALLER, startEmulator } = await import(new URL('pkg/emulator/index.js', rootUrl));
  const { fromHttp } = await import('@aws-sdk/credential-provider-http');
  const report = {};

  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  // A test machine's kernel may lack dummy interfaces; a bridge without ports holds addresses alike.
  let path = `${dirname(process.execPath)}:${process.env.PATH}`;
  let shim;
  try {
    execFileSync('ip', ['link', 'add', 'probe0', 'type', 'dummy'], { stdio: 'ignore' });
    execFileSync('ip', ['link', 'del', 'probe0']);
    report.dummy = true;
  } catch {
    report.dummy = false;
    shim = mkdtempSync(join(tmpdir(), 'ip-shim-'));
    const ip = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
    writeFileSync(join(shim, 'ip'), `#!/bin/sh\nif [ "$1 $2 $4 $5" = "link add type dummy" ]; then exec ${ip} link add "$3" type bridge; fi\nexec ${ip} "$@"\n`);
    chmodSync(join(shim, 'ip'), 0o755);
    path = `${shim}:${path}`;
  }
  const only = (...caps) => [`--bounding-set=-all${caps.map((c) => `,+${c}`).join('')}`, '--inh-caps=-all', '--no-new-privs', '--'];
  // As the init container, twice: it runs again on every pod start, on a node that keeps the interface.
  try {
    for (let i = 0; i < 2; i++) execFileSync('setpriv', [...only('net_admin'), ...initCommand], { env: { PATH: path }, stdio: 'pipe' });
  } finally {
    if (shim) rmSync(shim, { recursive: true, force: true });
  }
  report.addresses = execFileSync('ip', ['-o', 'address', 'show', 'dev', 'pod-id-link0'], { encoding: 'utf8' });

  const emulator = await startEmulator({ region: association.region, associations: [association], signingKey });
  const token = await emulator.mintToken({ namespace: association.namespace, serviceAccount: association.serviceAccount });
  // The default chain finds the emulator's development key in the environment (on a node: IMDS).
  const childEnv = {
    PATH: process.env.PATH, ...env, EKS_AUTH_ENDPOINT: emulator.endpoint, AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: DEFAULT_CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_CALLER.secretAccessKey,
  };
  const start = (...caps) => {
    const child = spawn('setpriv', [...only(...caps), process.execPath, join(rootPath, 'pkg/bin/eks-auth.js'), ...args], {
      env: childEnv, stdio: ['ignore', 'ignore', 'pipe'],
    });
    const run = { child, stderr: '' };
    child.stderr.on('data', (chunk) => { run.stderr += chunk; });
    return run;
  };
  const get = (url, headers = {}) => new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; }).on('end', () => resolve({ status: response.statusCode, body }));
    }).on('error', reject).end();
  });

  try {
    // Without the capability, port 80 is refused.
    const refused = start();
    const [code] = await once(refused.child, 'exit');
    report.withoutCapability = { code, stderr: refused.stderr };

    const agent = start('net_bind_service');
    try {
      // Until it listens or exits (the run as a whole is killed after 60 s: a guard against a hang).
      while (!agent.stderr.includes('"msg":"listening"')) {
        if (agent.child.exitCode !== null) throw new Error(`the agent did not start: ${agent.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      report.listening = JSON.parse(agent.stderr.split('\n').find((line) => line.includes('"msg":"listening"')));

      // What an EKS pod's SDK does with the webhook's variables, on both addresses.
      report.sdk = {};
      for (const url of ['http://169.254.170.23/v1/credentials', 'http://[fd00:ec2::23]/v1/credentials']) {
        const credentials = await fromHttp({ awsContainerCredentialsFullUri: url, awsContainerAuthorizationToken: token })();
        report.sdk[url] = { accessKeyId: credentials.accessKeyId.slice(0, 4), fresh: credentials.expiration > new Date() };
      }
      report.foreignHost = (await get('http://169.254.170.23/v1/credentials', { host: 'attacker.example', authorization: token })).status;
      report.probes = {};
      for (const probePath of probePaths) report.probes[probePath] = (await get(`http://127.0.0.1:${probePort}${probePath}`)).status;
      const metrics = await get(`http://127.0.0.1:${metricsPort}${metricsPath}`);
      report.metrics = { status: metrics.status, served: /pod_identity_http_response\{code="200"\} 2/.test(metrics.body) };

      agent.child.kill('SIGTERM');
      [report.exitCode] = await once(agent.child, 'exit');
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
    report.tokenInLogs = agent.stderr.includes(token) || report.withoutCapability.stderr.includes(token);
  } finally {
    await emulator.close();
  }
  return report;
}

test('daemonset.yaml runs: initialize, then the agent as UID 0 with only NET_BIND_SERVICE on both agent addresses at port 80',
  async (t) => {
    const missing = netnsUnavailable();
    assert.equal(missing, false, `this test needs ${missing}: a missing piece fails, it is not skipped`);
    const [{ spec }] = workloads(manifests['daemonset.yaml']);
    const agent = containersOf(spec).find(isSidecar);
    const options = sidecarSettings(agent);
    const input = {
      rootPath: root,
      rootUrl: pathToFileURL(root).href,
      // The image's entry path, as the repository file it is made from.
      initCommand: spec.initContainers[0].command.map((arg) => imageEntryPaths()[arg] ?? arg),
      args: agent.args, // as the image's ENTRYPOINT receives them: `sidecar ...`
      env: envOf(agent),
      association: { region: options.region, cluster: options.clusterName, namespace: 'default', serviceAccount: 'app', roleArn: ROLE_ARN },
      signingKey: SIGNING_KEY.export({ type: 'pkcs8', format: 'pem' }),
      probePort: options.probePort,
      metricsPort: options.metricsPort,
      probePaths: [agent.readinessProbe.httpGet.path, agent.livenessProbe.httpGet.path],
      metricsPath: '/metrics',
    };
    const report = await inNetworkNamespace(netnsRun, input);
    if (!report.dummy) t.diagnostic('this kernel has no dummy interfaces: initialize ran with `type dummy` made a bridge');

    assert.match(report.addresses, /inet 169\.254\.170\.23\/32/);
    assert.match(report.addresses, /inet6 fd00:ec2::23\/128/);
    assert.equal(report.withoutCapability.code, 1, 'refused without NET_BIND_SERVICE');
    assert.match(report.withoutCapability.stderr, /EACCES/);
    assert.deepEqual(report.listening.urls, ['http://169.254.170.23:80/v1/credentials', 'http://[fd00:ec2::23]:80/v1/credentials']);
    for (const result of Object.values(report.sdk)) assert.deepEqual(result, { accessKeyId: 'ASIA', fresh: true });
    assert.equal(report.foreignHost, 403, 'DNS-rebinding defence');
    assert.deepEqual(report.probes, { '/readyz': 200, '/healthz': 200 });
    assert.deepEqual(report.metrics, { status: 200, served: true });
    assert.equal(report.exitCode, 0, 'SIGTERM: drained and exited 0');
    assert.equal(report.tokenInLogs, false);
  });

// ---------------------------------------------------------------------------------------------
// The EKS Pod Identity Agent's own Helm chart, running this image
// ---------------------------------------------------------------------------------------------

/**
 * The agent chart's pod as it renders with its defaults (aws/eks-pod-identity-agent 0.1.37,
 * commit d4dc0f3, charts/eks-pod-identity-agent/): commands, args and environment, hard-coded.
 */
const CHART = {
  // values.yaml:149 (init.command), args values.yaml:147-148 through templates/daemonset.yaml:59-64.
  init: ['/go-runner', '/eks-pod-identity-agent', 'initialize', '-v', 'trace'],
  // values.yaml:109 (agent.command); args templates/daemonset.yaml:74-80 (--port 80, --cluster-name
  // from values.yaml:127, --probe-port from values.yaml:111), then agent.additionalArgs
  // (values.yaml:106-107) through templates/daemonset.yaml:85-88. metrics.enabled is false
  // (values.yaml:116), so no --metrics-port: the agent's default 2705.
  agent: ['/go-runner', '/eks-pod-identity-agent', 'server', '--port', '80', '--cluster-name', 'EKS_CLUSTER_NAME', '--probe-port', '2703', '-v', 'trace'],
  // The hybrid DaemonSet adds its additionalArgs (values.yaml:11-12) through
  // templates/daemonset.yaml:89-92: two arguments. Its credentials are mounted at /root/.aws
  // (values.yaml:13-21).
  hybridArgs: ['--rotate-credentials', 'true'],
  // values.yaml:129-130: AWS_REGION (a placeholder the user sets; here the emulator's region).
  env: { AWS_REGION: 'us-west-2' },
  // templates/daemonset.yaml:137-157: probes at localhost on the probe port.
  probes: ['/healthz', '/readyz'],
};

/** The image's entry paths, read from the Dockerfile, as the repository files they are made from. */
function imageEntryPaths() {
  const instructions = parseDockerfile(readFileSync(join(K8S, 'Dockerfile'), 'utf8'));
  const workdir = instructions.filter((i) => i.op === 'WORKDIR').at(-1).args;
  const entries = {};
  for (const { op, args } of instructions) {
    const parts = args.split(/\s+/);
    if (op === 'COPY' && parts.length === 2 && parts[1] === '/go-runner') entries['/go-runner'] = join(root, parts[0]);
    const link = /ln -s (\S+) \/eks-pod-identity-agent\b/.exec(args);
    if (op === 'RUN' && link) {
      assert.ok(link[1].startsWith(`${workdir}/`), `the link points into WORKDIR: ${link[1]}`);
      entries['/eks-pod-identity-agent'] = join(root, link[1].slice(workdir.length + 1));
    }
  }
  return entries;
}

/**
 * Runs inside `unshare --net`, as root (as the chart runs the pod): the chart's init container
 * twice (it runs again on every pod start), then its agent container, then the hybrid one, each
 * through the image's entry paths, with EKS Auth at AWS_ENDPOINT_URL_EKS_AUTH (the chart passes no
 * --endpoint); an SDK on both addresses at port 80. Returns a report.
 */
async function chartRun({ rootUrl, entries, chart, association, signingKey }) {
  const { execFileSync, spawn } = await import('node:child_process');
  const { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { request } = await import('node:http');
  const { tmpdir } = await import('node:os');
  const { dirname, join } = await import('node:path');
  const { once } = await import('node:events');
  const { DEFAULT_CALLER, startEmulator } = await import(new URL('pkg/emulator/index.js', rootUrl));
  const { fromHttp } = await import('@aws-sdk/credential-provider-http');
  const report = {};
  const image = (argv) => argv.map((arg) => entries[arg] ?? arg);

  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const dir = mkdtempSync(join(tmpdir(), 'agent-chart-'));
  // The image's `node` first; a kernel without dummy interfaces gets a bridge for one (no ports:
  // it holds addresses alike).
  let path = `${dirname(process.execPath)}:${process.env.PATH}`;
  try {
    execFileSync('ip', ['link', 'add', 'probe0', 'type', 'dummy'], { stdio: 'ignore' });
    execFileSync('ip', ['link', 'del', 'probe0']);
    report.dummy = true;
  } catch {
    report.dummy = false;
    const ip = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'ip'), `#!/bin/sh\nif [ "$1 $2 $4 $5" = "link add type dummy" ]; then exec ${ip} link add "$3" type bridge; fi\nexec ${ip} "$@"\n`);
    chmodSync(join(dir, 'bin', 'ip'), 0o755);
    path = `${join(dir, 'bin')}:${path}`;
  }
  const base = { PATH: path, HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', ...chart.env };
  try {
    report.init = [0, 1].map(() => {
      const [command, ...args] = image(chart.init);
      return execFileSync(command, args, { env: base, encoding: 'utf8' });
    });
    report.addresses = execFileSync('ip', ['-o', 'address', 'show', 'dev', 'pod-id-link0'], { encoding: 'utf8' });
    report.routes = ['-4', '-6'].map((family) => execFileSync('ip', [family, 'route', 'show', 'table', 'main', 'dev', 'pod-id-link0'], { encoding: 'utf8' }));

    const emulator = await startEmulator({ region: chart.env.AWS_REGION, associations: [association], signingKey });
    const get = (url, headers = {}) => new Promise((resolve, reject) => {
      request(url, { headers, agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk) => { body += chunk; }).on('end', () => resolve({ status: response.statusCode, body }));
      }).on('error', reject).end();
    });
    const pod = async (argv, env) => {
      const [command, ...args] = image(argv);
      const child = spawn(command, args, { env: { ...base, AWS_ENDPOINT_URL_EKS_AUTH: emulator.endpoint, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const run = { stdout: '', stderr: '' };
      child.stdout.on('data', (chunk) => { run.stdout += chunk; });
      child.stderr.on('data', (chunk) => { run.stderr += chunk; });
      try {
        // Until it listens or exits (the run as a whole is killed after 60 s: a guard against a hang).
        while (!run.stdout.includes('"msg":"listening"')) {
          if (child.exitCode !== null) throw new Error(`the agent did not start: ${run.stderr}${run.stdout}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        run.listening = JSON.parse(run.stdout.split('\n').find((line) => line.includes('"msg":"listening"')));
        const token = await emulator.mintToken({ namespace: association.namespace, serviceAccount: association.serviceAccount });
        run.sdk = {};
        for (const url of ['http://169.254.170.23/v1/credentials', 'http://[fd00:ec2::23]/v1/credentials']) {
          const credentials = await fromHttp({ awsContainerCredentialsFullUri: url, awsContainerAuthorizationToken: token })();
          run.sdk[url] = { accessKeyId: credentials.accessKeyId.slice(0, 4), fresh: credentials.expiration > new Date() };
        }
        run.foreignHost = (await get('http://169.254.170.23/v1/credentials', { host: 'attacker.example', authorization: token })).status;
        run.probes = {};
        for (const probe of chart.probes) run.probes[probe] = (await get(`http://localhost:2703${probe}`)).status;
        // Metrics on 0.0.0.0: reachable on the node's every address.
        const metrics = await get('http://169.254.170.23:2705/metrics');
        run.metrics = { status: metrics.status, served: /pod_identity_http_response\{code="200"\} 2/.test(metrics.body) };
        child.kill('SIGTERM');
        [run.exitCode] = await once(child, 'exit');
        run.tokenInLogs = run.stdout.includes(token) || run.stderr.includes(token);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      return run;
    };
    try {
      report.cloud = await pod(chart.agent, { AWS_ACCESS_KEY_ID: DEFAULT_CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_CALLER.secretAccessKey });
      // Hybrid: no keys in the environment; the node's credentials file at ~/.aws (the chart mounts /root/.aws).
      mkdirSync(join(dir, '.aws'));
      writeFileSync(join(dir, '.aws', 'credentials'), `[default]\naws_access_key_id = ${DEFAULT_CALLER.accessKeyId}\naws_secret_access_key = ${DEFAULT_CALLER.secretAccessKey}\n`);
      report.hybrid = await pod([...chart.agent, ...chart.hybridArgs], {});
      report.calls = emulator.stats.outcomes.ok;
    } finally {
      await emulator.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

test('the agent\'s Helm chart runs this image: initialize, server (cloud and hybrid) through /go-runner and /eks-pod-identity-agent, as root, on port 80',
  async (t) => {
    const missing = netnsUnavailable();
    assert.equal(missing, false, `this test needs ${missing}: a missing piece fails, it is not skipped`);
    const entries = imageEntryPaths();
    assert.deepEqual(Object.keys(entries).sort(), ['/eks-pod-identity-agent', '/go-runner'], 'the Dockerfile makes both entry paths');
    for (const file of Object.values(entries)) assert.ok(statSync(file).mode & 0o111, `${file} is executable`);
    const input = {
      rootUrl: pathToFileURL(root).href,
      entries,
      chart: CHART,
      association: { region: CHART.env.AWS_REGION, cluster: 'EKS_CLUSTER_NAME', namespace: 'default', serviceAccount: 'app', roleArn: ROLE_ARN },
      signingKey: SIGNING_KEY.export({ type: 'pkcs8', format: 'pem' }),
    };
    const report = await inNetworkNamespace(chartRun, input);
    if (!report.dummy) t.diagnostic('this kernel has no dummy interfaces: `ip link add pod-id-link0 type dummy` made a bridge');

    // initialize: the link, both addresses and their routes; the second run finds them.
    assert.match(report.addresses, /inet 169\.254\.170\.23\/32/);
    assert.match(report.addresses, /inet6 fd00:ec2::23\/128/);
    assert.match(report.routes[0], /^169\.254\.170\.23 /m);
    assert.match(report.routes[1], /^fd00:ec2::23 /m);
    const logs = (text) => text.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(logs(report.init[0]).some((r) => r.msg === 'Link was not found, creating it'), report.init[0]);
    assert.ok(logs(report.init[1]).filter((r) => /already exists/.test(r.msg)).length === 2, report.init[1]);
    for (const pod of [report.cloud, report.hybrid]) {
      assert.deepEqual(pod.listening.urls, ['http://169.254.170.23:80/v1/credentials', 'http://[fd00:ec2::23]:80/v1/credentials']);
      // Bound to 0.0.0.0 (the URL names loopback to connect to): the metrics were read through 169.254.170.23.
      assert.equal(pod.listening.metricsUrl, 'http://127.0.0.1:2705/metrics');
      for (const result of Object.values(pod.sdk)) assert.deepEqual(result, { accessKeyId: 'ASIA', fresh: true });
      assert.equal(pod.foreignHost, 403);
      assert.deepEqual(pod.probes, { '/healthz': 200, '/readyz': 200 });
      assert.deepEqual(pod.metrics, { status: 200, served: true });
      assert.equal(pod.exitCode, 0, 'SIGTERM through /go-runner: drained and exited 0');
      assert.equal(pod.stderr, '', 'logs on stdout');
      assert.equal(pod.tokenInLogs, false);
    }
    assert.equal(report.hybrid.listening.clusterName, 'EKS_CLUSTER_NAME');
    // One EKS Auth call per pod, the hybrid one signed with the file's keys: the second address is
    // answered from the cache.
    assert.equal(report.calls, 2);
  });

// ---------------------------------------------------------------------------------------------
// Cloudflare Workers
// ---------------------------------------------------------------------------------------------

/**
 * The TOML wrangler.toml uses, strictly: comments, `[table]`, `[[array of tables]]`, and
 * `key = value` with a JSON-compatible value (string, array of strings, integer, boolean), no inline
 * comment. Anything else fails: no TOML parser is installed, so the file stays that simple.
 */
function parseSimpleToml(text) {
  const document = {};
  let table = document;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const fail = (why) => { throw new Error(`wrangler.toml:${index + 1}: ${why}: ${raw}`); };
    if (line === '' || line.startsWith('#')) return;
    let match;
    if ((match = /^\[\[([A-Za-z0-9_-]+)\]\]$/.exec(line))) {
      (document[match[1]] ??= []).push((table = {}));
    } else if ((match = /^\[([A-Za-z0-9_-]+)\]$/.exec(line))) {
      if (match[1] in document) fail('table defined twice');
      table = document[match[1]] = {};
    } else if ((match = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line))) {
      if (match[1] in table) fail('key defined twice');
      try {
        table[match[1]] = JSON.parse(match[2]);
      } catch {
        fail('not a plain value');
      }
    } else {
      fail('outside the subset this test reads');
    }
  });
  return document;
}

describe('cloudflare worker', () => {
  const wranglerText = readFileSync(join(CF, 'wrangler.toml'), 'utf8');
  const wrangler = parseSimpleToml(wranglerText);
  const workerPath = join(CF, wrangler.main);
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // The example as a user deploys it: the tarball installed next to src/ and wrangler.toml, then
  // `wrangler deploy --dry-run --outdir` (offline). Packed and bundled once, on first use.
  let bundled;
  const bundle = () => {
    if (!bundled) {
      const project = packedProject({ name: 'worker', files: { 'src/worker.js': posix.join('deploy/cloudflare', wrangler.main), 'wrangler.toml': 'deploy/cloudflare/wrangler.toml' } });
      cleanups.push(project.cleanup);
      bundled = wranglerBundle(project.project);
    }
    return bundled;
  };

  test('wrangler.toml: entry, date, wasm rule, vars; secrets only named in comments', () => {
    assert.equal(wrangler.name, 'eks-auth');
    assert.ok(existsSync(workerPath), `main = ${wrangler.main} exists`);
    assert.match(wrangler.compatibility_date, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(wrangler.rules, [{ type: 'CompiledWasm', globs: ['**/*.wasm'], fallthrough: true }]);
    assert.equal(wrangler.compatibility_flags, undefined, 'no compatibility flags (nodejs_compat is not needed)');
    assert.deepEqual(Object.keys(wrangler.vars).sort(), ['EKS_AUTH_CLUSTER_NAME', 'EKS_AUTH_MAX_ATTEMPTS', 'EKS_AUTH_REGION']);
    for (const value of Object.values(wrangler.vars)) assert.equal(typeof value, 'string', 'vars are strings, as env gives them');
    for (const secret of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      assert.match(wranglerText, new RegExp(`^#\\s+npx wrangler secret put ${secret}\\b`, 'm'));
    }
    assert.match(wranglerText, /^# EKS_AUTH_ENDPOINT = "https:\/\//m, 'the optional endpoint, documented');
    for (const optional of ['EKS_AUTH_ANSWER_WITHIN_MS', 'EKS_AUTH_HOSTS']) assert.match(wranglerText, new RegExp(`^# ${optional} = "`, 'm'), `${optional}, documented`);
    // The worker serves the package's one handler: no contract of its own.
    const worker = readFileSync(workerPath, 'utf8');
    assert.match(worker, new RegExp(`from '${rootPackage.name}/handler';`));
    assert.ok(!/agentErrorResponse|parseToken|toContainerCredentials|\/v1\/credentials'/.test(worker), 'no hand-written contract (path, token parsing, answers)');
    // The example depends on this package; the worker imports it by name.
    const example = JSON.parse(readFileSync(join(CF, 'package.json'), 'utf8'));
    assert.ok(example.dependencies[rootPackage.name], `deploy/cloudflare/package.json depends on ${rootPackage.name}`);
    assert.equal(example.devDependencies.wrangler, rootPackage.devDependencies.wrangler, 'the wrangler this repository tests with');
    assert.match(readFileSync(workerPath, 'utf8'), new RegExp(`from '${rootPackage.name}';`));
  });

  test('wrangler deploy --dry-run bundles the worker from the installed tarball: the workerd export, the wasm as a module', () => {
    const source = readFileSync(bundle().main, 'utf8');
    const entry = `node_modules/${rootPackage.name}/${rootPackage.exports['.'].workerd.replace(/^\.\//, '')}`;
    assert.ok(source.includes(`// ${entry}`), `bundled through the workerd export (${entry})`);
    assert.ok(!new RegExp(`from ['"]${rootPackage.name}`).test(source), 'no import of the package left to resolve');
    assert.ok(!/from ["']node:|require\(["']node:/.test(source), 'no Node built-in: no nodejs_compat needed');
    const wasm = bundle().modules.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1, 'one .wasm beside the bundle');
    assert.match(source, new RegExp(`^import \\w+ from "\\./${wasm[0].replace(/[.]/g, '\\.')}";$`, 'm'), 'imported as a module');
    assert.deepEqual(readFileSync(join(bundle().outdir, wasm[0])), readFileSync(join(root, rootPackage.exports['./eks-auth.wasm'])), 'the shipped wasm');
  });

  test('the bundled worker in workerd: the agent\'s contract (tests/hosts/contract.js) through the one handler; throttling passed through; Host default; missing secrets 500', async (t) => {
    const { Miniflare } = await import('miniflare');
    const CLUSTER = wrangler.vars.EKS_AUTH_CLUSTER_NAME;
    const REGION = wrangler.vars.EKS_AUTH_REGION;
    const HOSTNAME = 'eks-auth.example.workers.dev';
    const association = { cluster: CLUSTER, namespace: 'edge', serviceAccount: 'fn', roleArn: ROLE_ARN };
    const emulator = await startEmulator({ region: REGION, signingKey: SIGNING_KEY, associations: [association] });
    t.after(() => emulator.close());

    // What Cloudflare runs: wrangler's bundle, its .wasm a module compiled ahead (CompiledWasm).
    const logs = [];
    const capture = (stream) => stream.on('data', (chunk) => logs.push(String(chunk)));
    const secrets = { AWS_ACCESS_KEY_ID: DEFAULT_CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_CALLER.secretAccessKey };
    const options = (bindings) => ({
      ...bundleModules(bundle()),
      compatibilityDate: wrangler.compatibility_date,
      // Two attempts: the retry is seen, the throttled case stays short. Answers wait for EKS Auth
      // (0): the 900 ms default would make a slow first call on a loaded machine a 500.
      bindings: { ...wrangler.vars, EKS_AUTH_ENDPOINT: emulator.endpoint, EKS_AUTH_MAX_ATTEMPTS: '2', EKS_AUTH_ANSWER_WITHIN_MS: '0', ...bindings },
      handleRuntimeStdio: (stdout, stderr) => { capture(stdout); capture(stderr); },
    });
    const mf = new Miniflare(options({ ...secrets, EKS_AUTH_HOSTS: HOSTNAME }));
    t.after(() => mf.dispose());
    const ask = async (token, { path = '/v1/credentials', host = HOSTNAME } = {}) => {
      const response = await mf.dispatchFetch(`https://${host}${path}`, { headers: token === undefined ? {} : { authorization: token } });
      return { status: response.status, headers: response.headers, body: await response.text() };
    };

    // The contract, as every host serves it: a cached second request makes no second call (the
    // handler outlives the request in the isolate), the token checked before any call, 404, 403.
    const tokens = await contractTokens(emulator, association, startEmulator);
    const credentials = await assertAgentContract(ask, { emulator, tokens, label: 'worker' });

    // 429: EKS Auth throttling, after the configured attempts (a token not cached yet).
    const other = await emulator.mintToken({ namespace: 'edge', serviceAccount: 'fn' });
    emulator.setFaults({ throttle: 1 });
    const before = emulator.stats.received;
    const throttled = await ask(other);
    assert.equal(throttled.status, 429);
    assert.match(throttled.body, /^\[[^\]]*\]: \(ThrottlingException\): Rate exceeded, fault: client\n$/);
    assert.equal(emulator.stats.received - before, 2, 'EKS_AUTH_MAX_ATTEMPTS attempts');
    emulator.setFaults({ throttle: 0 });

    // EKS_AUTH_HOSTS unset: the hostname each request came in on is served (Cloudflare routes only
    // the Worker's own hostnames to it), so any name reaching the Worker is its own.
    await mf.setOptions(options(secrets));
    const routed = await ask(tokens.valid, { host: 'credentials.example.com' });
    assert.equal(routed.status, 200, routed.body);

    // No secrets bound: 500 naming what is missing, and no unsigned call.
    await mf.setOptions(options({}));
    const received = emulator.stats.received;
    const unconfigured = await ask(tokens.valid);
    assert.equal(unconfigured.status, 500);
    assert.match(unconfigured.body, /\(InvalidConfiguration\): .*AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
    assert.equal(emulator.stats.received, received);

    // The worker logged failures, and never a token or a secret.
    const logged = logs.join('');
    assert.match(logged, /"code":"ThrottlingException"/);
    for (const secret of [...Object.values(tokens), other, DEFAULT_CALLER.secretAccessKey, credentials.SecretAccessKey, credentials.Token]) {
      assert.ok(!logged.includes(secret), 'no token or secret in the worker logs');
    }
  });
});
