// The EKS Pod Identity debugging console: reads the form, lets the WebAssembly core build and sign
// the request (every stage shown), sends it through the console server's same-origin proxy, and
// shows the answer as the core reads it. The page holds no protocol logic of its own.
//
// Secrets (the token, the caller's secret key and session token, the credentials received) live
// only in memory: nothing is logged, stored or put in the URL, and every text shown goes through
// the core's `redact` first. Received credentials are masked until "Reveal secrets" is pressed;
// the caller's secrets and the token are never shown at all.
import {
  init, buildAssumeRoleRequest, signingStages, parseAssumeRoleResponse, parseToken, resolveEndpoint, redact,
  clockSkew, toContainerCredentials, toCredentialProcess, toShellExports, EksAuthError,
} from '../pkg/web.js';
import { claimWarnings, formatDuration, hintFor, isoSeconds, relative } from './hints.js';

const $ = (id) => document.getElementById(id);
const PROXY_ERROR_HEADER = 'x-eks-auth-console-error';
const OPTIONAL_MEMBERS = ['eksNodeName', 'instanceId', 'zone'];

/** `?now=<epoch ms or ISO date>` pins the page's clock (to reproduce a run, or in tests). */
const pinnedNow = (() => {
  const value = new URLSearchParams(location.search).get('now');
  if (value === null) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
})();

let proxy; // { path, target } from /defaults.json
let last; // the last exchange: { input, status, statusText, headers, bodyText, result, resultSecrets }
let revealed = false;
let suggestedOffset;

const offsetSeconds = () => {
  const value = Number($('clockOffset').value);
  return Number.isFinite(value) ? value : 0;
};
/** The signing clock: this computer's (or the pinned) time plus the offset, epoch ms. */
const now = () => (pinnedNow ?? Date.now()) + offsetSeconds() * 1000;

function setStatus(text, kind = 'info') {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

function showClock() {
  const offset = offsetSeconds();
  $('clock-now').textContent = `Signing clock: ${new Date(now()).toISOString()}`
    + `${pinnedNow === undefined ? '' : ' (pinned by ?now= in the address)'}${offset ? ` — this computer's clock ${offset > 0 ? '+' : ''}${offset} s` : ''}`;
}

// ---- inputs ---------------------------------------------------------------------------------

const value = (id) => $(id).value.trim();

function readForm() {
  const input = { region: value('region') || undefined, clusterName: value('clusterName'), token: value('token'), now: now() };
  if (value('endpoint')) input.endpoint = value('endpoint');
  if ($('useFips').checked) input.useFips = true;
  const accessKeyId = value('accessKeyId');
  const secretAccessKey = value('secretAccessKey');
  const sessionToken = value('sessionToken');
  if (accessKeyId || secretAccessKey || sessionToken) {
    input.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  for (const name of OPTIONAL_MEMBERS) if (value(name)) input[name] = value(name);
  return input;
}

/** What must never be shown: the token and the caller's secrets. */
const inputSecrets = (input) => [input?.token, input?.credentials?.secretAccessKey, input?.credentials?.sessionToken];

function tryClaims(token) {
  try {
    return token ? parseToken(token) : undefined;
  } catch {
    return undefined;
  }
}

// ---- rendering helpers -----------------------------------------------------------------------

function rows(dl, entries) {
  dl.replaceChildren();
  for (const [term, detail, className] of entries) {
    if (detail === undefined || detail === null || detail === '') continue;
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = String(detail);
    if (className) dd.className = className;
    dl.append(dt, dd);
  }
}

function clearError() {
  $('error').hidden = true;
  suggestedOffset = undefined;
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) unmark(el);
}

function unmark(el) {
  el.removeAttribute('aria-invalid');
  el.classList.remove('invalid');
  const note = $(`${el.id}-error`);
  if (note) {
    note.remove();
    el.setAttribute('aria-describedby', (el.getAttribute('aria-describedby') ?? '').replace(`${el.id}-error`, '').trim());
  }
}

/** Marks the form control of an error's `field` (e.g. `credentials.accessKeyId`). */
function markField(field, message) {
  const el = document.querySelector(`[data-field="${CSS.escape(field)}"]`)
    ?? document.querySelector(`[data-field^="${CSS.escape(`${field}.`)}"]`);
  if (!el) return undefined;
  el.setAttribute('aria-invalid', 'true');
  el.classList.add('invalid');
  const note = document.createElement('p');
  note.id = `${el.id}-error`;
  note.className = 'field-error';
  note.textContent = message;
  el.closest('.field')?.append(note);
  el.setAttribute('aria-describedby', `${el.getAttribute('aria-describedby') ?? ''} ${note.id}`.trim());
  return el;
}

function fieldsOf(error) {
  if (error.field) return [error.field];
  if (error.code === 'InvalidConfiguration') {
    if (/FIPS/.test(error.message)) return ['endpoint', 'useFips'];
    if (/Region/.test(error.message)) return ['region'];
  }
  return [];
}

/** Shows an error: every property of the `EksAuthError`, the field marked, a hint. */
function showError(e, { input, skewMs } = {}) {
  const error = e instanceof EksAuthError
    ? e
    : new EksAuthError(String(e?.message ?? e), { code: 'NetworkError', retryable: true });
  const secrets = inputSecrets(input);
  const message = redact(error.message, secrets);
  rows($('error-details'), [
    ['Code', error.code, 'mono code'],
    ['Message', message, 'mono message'],
    ['Field', error.field, 'mono'],
    ['HTTP status', error.status, 'mono'],
    ['Request ID', error.requestId, 'mono'],
    ['Retryable', String(error.retryable), 'mono'],
    ['Irrecoverable', String(error.irrecoverable), 'mono'],
    ['Fault', error.fault, 'mono'],
  ]);
  let first;
  for (const field of fieldsOf(error)) {
    const marked = markField(field, message);
    first ??= marked;
  }
  const hint = hintFor(error, {
    claims: tryClaims(input?.token),
    nowMs: input?.now ?? now(),
    skewMs,
    clockOffsetSeconds: offsetSeconds(),
    clusterName: input?.clusterName,
    region: input?.region,
    accessKeyId: input?.credentials?.accessKeyId,
    hasSessionToken: Boolean(input?.credentials?.sessionToken),
    proxyTarget: proxy?.target,
  });
  $('error-hint').hidden = !hint;
  $('error-hint').textContent = hint ? redact(hint.text, secrets) : '';
  suggestedOffset = hint?.suggestedOffsetSeconds;
  $('apply-offset').hidden = suggestedOffset === undefined;
  if (suggestedOffset !== undefined) $('apply-offset').textContent = `Set the clock offset to ${suggestedOffset} s`;
  $('error').hidden = false;
  setStatus(`${error.code}${error.status ? ` (HTTP ${error.status})` : ''}`, 'error');
  if (first) first.focus();
  else $('error').scrollIntoView({ block: 'nearest' });
}

// ---- build -------------------------------------------------------------------------------------

/** The URL path on this server that forwards `url`, or undefined when the proxy cannot. */
function proxyPathFor(url) {
  if (!proxy?.target || !url.startsWith(`${proxy.target}/`)) return undefined;
  return proxy.path + url.slice(proxy.target.length);
}

function build() {
  clearError();
  // A new request: what was received for the previous one no longer applies.
  $('response').hidden = true;
  $('result').hidden = true;
  const input = readForm();
  showClock();
  try {
    const resolved = resolveEndpoint({ region: input.region, useFips: input.useFips, endpoint: input.endpoint });
    const request = buildAssumeRoleRequest(input);
    const stages = signingStages(input);
    renderStages(input, resolved, request, stages);
    setStatus('Built: nothing sent yet.');
    return { input, request };
  } catch (e) {
    $('stages').hidden = true;
    showError(e, { input });
    return undefined;
  }
}

function renderStages(input, resolved, request, stages) {
  const secrets = inputSecrets(input);
  const via = proxyPathFor(request.url);
  $('resolved-endpoint').textContent = resolved;
  $('signing-time').textContent = `${new Date(input.now).toISOString()} (x-amz-date ${request.headers['x-amz-date'] ?? 'none: unsigned'})`;
  $('sent-via').textContent = via
    ? `${location.origin}${via} → ${proxy.target}`
    : `not sendable from here: this console's proxy forwards only to ${proxy?.target ?? '(no proxy)'}`;
  $('request-line').textContent = `${request.method} ${request.url}`;
  const headerLines = [`host: ${new URL(request.url).host}    (set by the proxy; signed)`];
  for (const [name, headerValue] of Object.entries(request.headers)) {
    headerLines.push(`${name}: ${name === 'x-amz-security-token' ? '<redacted>' : redact(headerValue, secrets)}`);
  }
  $('request-headers').textContent = headerLines.join('\n');
  $('request-body').textContent = redact(request.body, secrets);
  $('signing').hidden = !stages;
  $('unsigned').hidden = Boolean(stages);
  if (stages) {
    $('canonical-request').textContent = redact(stages.canonicalRequest, secrets);
    $('string-to-sign').textContent = stages.stringToSign;
    $('signature').textContent = stages.signature;
  }
  $('stages').hidden = false;
}

// ---- send --------------------------------------------------------------------------------------

async function send() {
  const built = build();
  if (!built) return;
  const { input, request } = built;
  const path = proxyPathFor(request.url);
  if (!path) {
    showError(new EksAuthError(
      `This console's proxy forwards only to ${proxy?.target ?? '(no proxy configured)'}, and the request is for ${new URL(request.url).origin}: `
        + 'set the endpoint to the proxy target, or restart the console server with this endpoint.',
      { code: 'InvalidConfiguration', field: 'endpoint' },
    ), { input });
    return;
  }
  $('send').disabled = true;
  setStatus('Sending through the proxy…');
  let response;
  let body;
  try {
    response = await fetch(path, {
      method: request.method, headers: request.headers, body: request.body,
      cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer',
    });
    body = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    showError(new EksAuthError(`the request did not reach this console's proxy: ${e?.message ?? e}`, { code: 'NetworkError', retryable: true }), { input });
    return;
  } finally {
    $('send').disabled = false;
  }

  const headers = [...response.headers];
  const bodyText = new TextDecoder().decode(body);
  last = { input, status: response.status, statusText: response.statusText, headers, bodyText, result: undefined, resultSecrets: [] };
  revealed = false;
  const date = response.headers.get('date') ?? undefined;
  const proxyError = response.headers.get(PROXY_ERROR_HEADER);
  if (proxyError) {
    let message = bodyText;
    try {
      message = JSON.parse(bodyText).message ?? bodyText;
    } catch { /* plain text */ }
    renderResponse('answered by the console proxy, not by the endpoint');
    showError(new EksAuthError(message, { code: proxyError, status: response.status, retryable: true }), { input });
    return;
  }
  try {
    last.result = parseAssumeRoleResponse({ status: response.status, headers, body });
    last.resultSecrets = [last.result.credentials?.secretAccessKey, last.result.credentials?.sessionToken];
  } catch (e) {
    last.resultSecrets = credentialsInBody(bodyText);
    renderResponse();
    const skewMs = e instanceof EksAuthError ? clockSkew({ now: input.now, date, code: e.code, message: e.message }) : null;
    showError(e, { input, skewMs });
    return;
  }
  const skewMs = clockSkew({ now: input.now, date });
  renderResponse(skewMs === null ? '' : `The server's clock (Date header) is ${formatDuration(skewMs)} ${skewMs > 0 ? 'ahead of' : 'behind'} the signing clock.`);
  renderResult();
  setStatus(`${response.status}: credentials received for ${last.result.assumedRoleUser?.arn ?? 'the role'}`, 'ok');
}

/** Secrets of a 200 body the core could not read, masked all the same. */
function credentialsInBody(text) {
  try {
    const { credentials } = JSON.parse(text);
    return [credentials?.secretAccessKey, credentials?.sessionToken].filter((s) => typeof s === 'string');
  } catch {
    return [];
  }
}

/** Text as shown now: the caller's secrets always redacted, the received ones until revealed. */
function shown(text) {
  return redact(text, [...inputSecrets(last.input), ...(revealed ? [] : last.resultSecrets)]);
}

function renderResponse(note = '') {
  const { status, statusText, headers, bodyText } = last;
  const badge = $('response-status');
  badge.textContent = `${status} ${statusText}`.trim();
  badge.dataset.kind = status >= 200 && status < 300 ? 'ok' : 'error';
  $('response-note').textContent = note;
  $('response-headers').textContent = headers.map(([name, v]) => `${name}: ${shown(v)}`).join('\n');
  let body = bodyText;
  try {
    body = JSON.stringify(JSON.parse(bodyText), null, 2);
  } catch { /* not JSON: as received */ }
  $('response-body').textContent = shown(body);
  const reveal = $('reveal');
  reveal.hidden = !last.resultSecrets.some(Boolean);
  reveal.setAttribute('aria-pressed', String(revealed));
  reveal.textContent = revealed ? 'Hide secrets' : 'Reveal secrets';
  $('response').hidden = false;
}

const MASK = '•••••••• (hidden: Reveal secrets)';

function renderResult() {
  const result = last.result;
  const c = result.credentials ?? {};
  const secret = (s) => (s === undefined ? undefined : revealed ? s : MASK);
  rows($('result-fields'), [
    ['Subject', result.subject && `${result.subject.namespace}/${result.subject.serviceAccount}`, 'mono'],
    ['Audience', result.audience, 'mono'],
    ['Association ARN', result.podIdentityAssociation?.associationArn, 'mono'],
    ['Association ID', result.podIdentityAssociation?.associationId, 'mono'],
    ['Assumed role ARN', result.assumedRoleUser?.arn, 'mono'],
    ['Assume role ID', result.assumedRoleUser?.assumeRoleId, 'mono'],
    ['Access key ID', c.accessKeyId, 'mono'],
    ['Secret access key', secret(c.secretAccessKey), 'mono secret'],
    ['Session token', secret(c.sessionToken), 'mono secret'],
    ['Expiration', c.expiration !== undefined ? `${isoSeconds(c.expiration)} (${relative(c.expiration, last.input.now)})` : undefined, 'mono'],
    ['Workload identity provider', result.workloadIdentityProviderArn, 'mono'],
  ]);
  const formats = { container: toContainerCredentials, process: toCredentialProcess, shell: toShellExports };
  last.formats = {};
  for (const [name, format] of Object.entries(formats)) {
    let text;
    try {
      const out = format(result);
      text = typeof out === 'string' ? out : JSON.stringify(out, null, 2);
      last.formats[name] = text;
    } catch (e) {
      text = `(${e.code ?? 'error'}: ${redact(e.message, last.resultSecrets)})`;
    }
    $(`fmt-${name}`).textContent = shown(text);
  }
  $('copy-status').textContent = '';
  $('result').hidden = false;
}

function toggleReveal() {
  if (!last) return;
  revealed = !revealed;
  renderResponse($('response-note').textContent);
  if (last.result) renderResult();
}

async function copy(name) {
  const text = last?.formats?.[name];
  if (!text) return;
  try {
    await navigator.clipboard.writeText(text);
    $('copy-status').textContent = 'Copied, secrets included.';
  } catch {
    $('copy-status').textContent = 'The clipboard is not available here: reveal the secrets and select the text.';
  }
}

// ---- token -------------------------------------------------------------------------------------

function decode() {
  clearError();
  const input = readForm();
  const box = $('claims');
  let claims;
  try {
    claims = parseToken(input.token);
  } catch (e) {
    box.hidden = true;
    showError(e, { input });
    return;
  }
  const at = (seconds) => (seconds === undefined ? undefined : `${isoSeconds(seconds)} (${relative(seconds, input.now)})`);
  rows(box, [
    ['Issuer', claims.issuer, 'mono'],
    ['Subject', claims.subject, 'mono'],
    ['Audience', claims.audience?.join(', '), 'mono'],
    ['Expires (exp)', at(claims.expiresAt), 'mono'],
    ['Issued (iat)', at(claims.issuedAt), 'mono'],
    ['Not before (nbf)', at(claims.notBefore), 'mono'],
    ['Namespace', claims.namespace, 'mono'],
    ['Service account', claims.serviceAccount, 'mono'],
    ['Pod', claims.podName, 'mono'],
    ['Key ID', claims.keyId, 'mono'],
    ['Algorithm', claims.algorithm, 'mono'],
  ]);
  for (const warning of claimWarnings(claims, { nowMs: input.now, region: input.region })) {
    const dt = document.createElement('dt');
    dt.textContent = 'Warning';
    const dd = document.createElement('dd');
    dd.className = 'warn';
    dd.textContent = warning;
    box.append(dt, dd);
  }
  box.hidden = false;
  setStatus('Token decoded (claims only, signature not verified).');
}

// ---- start -------------------------------------------------------------------------------------

async function loadDefaults() {
  let defaults = {};
  try {
    const response = await fetch('/defaults.json', { cache: 'no-store', credentials: 'omit' });
    if (response.ok) defaults = await response.json();
  } catch { /* opened without the console server: no proxy */ }
  proxy = defaults.proxy;
  for (const name of ['region', 'clusterName', 'endpoint', ...OPTIONAL_MEMBERS]) {
    if (typeof defaults[name] === 'string') $(name).value = defaults[name];
  }
  $('useFips').checked = defaults.useFips === true;
  const dev = defaults.devCredentials;
  if (dev) {
    $('accessKeyId').value = dev.accessKeyId ?? '';
    $('secretAccessKey').value = dev.secretAccessKey ?? '';
    $('sessionToken').value = dev.sessionToken ?? '';
    $('dev-credentials-note').hidden = false;
  }
  const target = proxy?.target ?? 'nowhere (no console server: Send is unavailable)';
  $('proxy-target').textContent = target;
  $('endpoint-target').textContent = target;
}

async function main() {
  const buttons = ['build', 'send', 'decode'].map($);
  for (const b of buttons) b.disabled = true;
  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    build();
  });
  $('build').addEventListener('click', () => build());
  $('send').addEventListener('click', () => send());
  $('decode').addEventListener('click', () => decode());
  $('reveal').addEventListener('click', toggleReveal);
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', () => copy(button.dataset.copy));
  }
  $('apply-offset').addEventListener('click', () => {
    if (suggestedOffset === undefined) return;
    $('clockOffset').value = String(suggestedOffset);
    showClock();
    $('apply-offset').hidden = true;
    setStatus(`Clock offset set to ${suggestedOffset} s: send again.`);
  });
  $('form').addEventListener('input', (event) => {
    if (event.target.getAttribute?.('aria-invalid') === 'true') unmark(event.target);
    if (event.target.id === 'clockOffset') showClock();
  });
  showClock();
  if (pinnedNow === undefined) setInterval(showClock, 1000);

  try {
    await init();
  } catch (e) {
    setStatus(`The WebAssembly core did not load: ${e?.message ?? e}`, 'error');
    return;
  }
  await loadDefaults();
  for (const b of buttons) b.disabled = false;
  setStatus('Ready: fill in the token, then Build or Send.');
  document.body.dataset.ready = 'true';
}

main();
