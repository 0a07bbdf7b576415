#!/usr/bin/env node
// Screenshots of each state of the browser console, for docs/console.md: Debian's Chromium, driven
// by playwright-core, uses the page against a local emulator through the console's proxy, as
// `npm start` serves them. The page's clock and the emulator's are both fixed at T, so the
// pictures differ only in dates from run to run. Loopback only.
// Run: npm run screenshots   (writes docs/console/*.png)
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CALLER, startEmulator } from '../pkg/emulator/index.js';
import { startConsoleServer } from '../pkg/console-server.js';

const OUT = fileURLToPath(new URL('../docs/console/', import.meta.url));
// Today, to the minute: the emulator signs with T, but its HTTP Date header is the real clock's,
// and the page reads a Date far from its own clock as clock skew.
const T = Math.floor(Date.now() / 60_000) * 60_000;
const DAY = 86_400_000;
const REGION = 'us-west-2';
const CLUSTER = 'dev-cluster';
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const closers = [];
const emulator = await startEmulator({
  region: REGION,
  now: () => T,
  associations: [{ cluster: CLUSTER, namespace: 'default', serviceAccount: 'default', roleArn: 'arn:aws:iam::111122223333:role/dev-pod-role' }],
});
closers.push(() => emulator.close());
const mint = (options) => emulator.mintToken({ namespace: 'default', serviceAccount: 'default', podName: 'web-7d4b9c', ...options });
const tokens = {
  good: await mint(),
  // Copied out of a pod three days ago: a day's lifetime, over two days ago.
  expired: await mint({ now: T - 3 * DAY }),
  // The IRSA token (audience sts.amazonaws.com) instead of the Pod Identity one: a common mix-up.
  wrongAudience: await mint({ audience: 'sts.amazonaws.com' }),
  noAssociation: await mint({ serviceAccount: 'billing' }),
};

/** A console server as `npm start` starts it: the emulator's endpoint, its fake development key. */
async function consoleFor(endpoint, options = {}) {
  const server = await startConsoleServer({ endpoint, defaults: { region: REGION, clusterName: CLUSTER }, devCredentials: DEFAULT_CALLER, ...options });
  closers.push(() => server.close());
  return server;
}

/** A loopback server that accepts requests and never answers. */
async function silentServer() {
  const server = createServer(() => { /* never answers */ });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); });
  return `http://127.0.0.1:${server.address().port}`;
}

/** The address of a port nothing listens on. */
async function closedPort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS });
closers.unshift(() => browser.close());
const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });

async function open(server) {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.clock.setFixedTime(new Date(T));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return page;
}

/** Sets inputs by id as typing would (one input event each). */
function fill(page, values) {
  return page.evaluate((entries) => {
    for (const [id, value] of entries) {
      const input = document.getElementById(id);
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }, Object.entries(values));
}

async function send(page) {
  await page.click('#send');
  await page.waitForFunction(() => /^(Sent|Not sent)/.test(document.getElementById('send-status').textContent));
}

const PANEL = { token: 'form[aria-labelledby="token-title"]', request: 'form[aria-labelledby="request-title"]',
  response: 'form[aria-labelledby="response-title"]', diff: 'form[aria-labelledby="diff-title"]' };

/** `name.png`: the whole page, or the panels named (adjacent ones: one picture spanning them). */
async function shoot(page, name, panels) {
  const path = `${OUT}${name}.png`;
  if (!panels) {
    await page.screenshot({ path, fullPage: true });
  } else {
    // Page coordinates (a full-page clip's), not the viewport's.
    const boxes = await Promise.all(panels.map((panel) => page.$eval(PANEL[panel], (el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
    })));
    const top = Math.min(...boxes.map((b) => b.y));
    const bottom = Math.max(...boxes.map((b) => b.y + b.height));
    const margin = 8;
    await page.screenshot({ path, fullPage: true, clip: { x: boxes[0].x - margin, y: top - margin, width: boxes[0].width + 2 * margin, height: bottom - top + 2 * margin } });
  }
  process.stdout.write(`docs/console/${name}.png\n`);
}

try {
  mkdirSync(OUT, { recursive: true });
  const server = await consoleFor(emulator.endpoint);
  const page = await open(server);
  await shoot(page, 'empty');

  await fill(page, { token: tokens.good });
  await send(page);
  await shoot(page, 'success');

  await fill(page, { 'cluster-name': 'dev cluster' });
  await shoot(page, 'invalid-input', ['request']);
  await fill(page, { 'cluster-name': CLUSTER });

  await fill(page, { token: tokens.wrongAudience });
  await send(page);
  await shoot(page, 'bad-token', ['token']);
  await shoot(page, 'bad-token-response', ['response']);

  await fill(page, { token: tokens.expired });
  await send(page);
  await shoot(page, 'expired-token', ['token']);
  await shoot(page, 'expired-token-response', ['response']);

  await fill(page, { token: tokens.noAssociation });
  await send(page);
  await shoot(page, 'access-denied', ['response']);

  await fill(page, { token: tokens.good, 'cluster-name': 'prod-cluster' });
  await send(page);
  await shoot(page, 'cluster-not-found', ['response']);
  await fill(page, { 'cluster-name': CLUSTER });

  await fill(page, { 'access-key-id': 'AKIAUNKNOWNEXAMPLE' });
  await send(page);
  await shoot(page, 'unknown-access-key', ['response']);

  await fill(page, { 'access-key-id': DEFAULT_CALLER.accessKeyId, 'secret-access-key': 'not/the+secret/of+AKIAEMULATOREXAMPLE00' });
  await send(page);
  await shoot(page, 'signature-mismatch', ['response', 'diff']);
  await fill(page, { 'secret-access-key': DEFAULT_CALLER.secretAccessKey, 'expected-canonical-request': '' });

  await fill(page, { time: new Date(T + 10 * 60_000).toISOString() });
  await send(page);
  await shoot(page, 'clock-skew', ['response']);
  await fill(page, { time: '' });

  emulator.setFaults({ throttle: 1 });
  await send(page);
  emulator.setFaults({ throttle: 0 });
  await shoot(page, 'throttled', ['response']);

  await fill(page, {
    'response-status': '502',
    'response-headers': 'HTTP/1.1 502 Bad Gateway\nContent-Type: text/html\nServer: corp-proxy',
    'response-body': '<html><body><h1>502 Bad Gateway</h1></body></html>',
  });
  await shoot(page, 'not-from-eks-auth', ['response']);

  await fill(page, { 'response-status': '200', 'response-headers': 'Content-Type: application/json', 'response-body': '{"credentials": {"accessKeyId": "ASIA' });
  await shoot(page, 'malformed-response', ['response']);

  await fill(page, { 'response-status': '', 'response-headers': '', 'response-body': '{"message": "Rate exceeded"}' });
  await shoot(page, 'unreadable-response', ['response']);
  await page.close();

  for (const [name, endpoint, options] of [
    ['network-error', await closedPort(), {}],
    ['timeout', await silentServer(), { upstreamTimeoutMs: 500 }],
  ]) {
    const other = await open(await consoleFor(endpoint, options));
    await fill(other, { token: tokens.good });
    await send(other);
    await shoot(other, name, ['response']);
    await other.close();
  }
} finally {
  for (const close of closers) await close();
}
