// The EKS Pod Identity debugging console. Every input event recomputes every output from the
// inputs through the WebAssembly core — the token's inspection, the request and its signature
// stages, the reading of a pasted answer, the canonical-request diff — so the page holds no
// protocol logic of its own and no hidden state beyond the last answer Send received. Only Send
// needs a click: it goes through the console server's same-origin proxy (EKS Auth sends no CORS
// headers) and puts the answer in the Response fields.
//
// Secrets (the token, the caller's secret key and session token, received credentials) live only
// in this tab's memory and the inputs: never stored, logged or put in the address, and masked in
// every output (through the core's `redact`) until Show secrets is pressed.
import {
  init, buildAssumeRoleRequest, parseAssumeRoleResponse, redact, clockSkew, toContainerCredentials, toCredentialProcess,
  toShellExports,
} from '../pkg/web.js';
import { explainSignature, initInspect, inspectToken, parseIso8601 } from './inspect.js';
import { bothZones, curlCommand, formatDuration, isoUtc, parseHeaderLines, relative } from './format.js';
import { explainError } from './explain.js';
import { adviceFor, diffCanonicalRequests, differingSpan, extractCanonicalRequest } from './diff.js';

const $ = (id) => document.getElementById(id);
/** Set by the console server on answers it makes itself (endpoint unreachable or silent). */
const PROXY_ERROR_HEADER = 'x-eks-auth-console-error';
const MASK = '•••••••• (hidden: Show secrets)';
/** Inputs holding secrets: password fields until revealed. */
const SECRET_INPUTS = ['token', 'secret-access-key', 'session-token'];
const RESPONSE_INPUTS = ['response-status', 'response-headers', 'response-body'];
/** An error's `field` (the core's property path) → the input it is about. */
const FIELD_INPUTS = {
  region: 'region', clusterName: 'cluster-name', token: 'token', endpoint: 'endpoint', useFips: 'use-fips',
  'credentials.accessKeyId': 'access-key-id', 'credentials.secretAccessKey': 'secret-access-key',
  'credentials.sessionToken': 'session-token', eksNodeName: 'eks-node-name', instanceId: 'instance-id', zone: 'zone', now: 'time',
};
const CHECK_LABELS = {
  'three-segments': 'Shaped like a JWT',
  audience: `Audience includes pods.eks.amazonaws.com`,
  'not-expired': 'Not expired',
  'not-before': 'Already valid (nbf)',
  subject: 'Subject names its service account',
  'pod-binding': 'Bound to a pod',
};

const state = {
  /** `{ path, target }` of the console server's proxy, from /defaults.json. */
  proxy: undefined,
  revealed: false,
  /** The request for the current inputs: `{ input, request, explanation }`, or undefined when they are invalid. */
  built: undefined,
  /** Why the request is not built, when it is not: for Send's status. */
  notBuilt: undefined,
  /** The answer Send received, while the Response fields still show it: `{ status, headers, bodyText, proxyError, input }`. */
  sent: undefined,
  /** The expected canonical request came from an answer (replaced by the next one), not typed. */
  expectedFromAnswer: false,
};

// ---- small DOM helpers -----------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/** A `<dl>` of `[term, detail, attrs?]` rows; empty details are left out. */
function rows(dl, entries) {
  dl.replaceChildren();
  for (const [term, detail, attrs = {}] of entries) {
    if (detail === undefined || detail === null || detail === '') continue;
    dl.append(el('dt', {}, term), el('dd', { class: 'mono', ...attrs }, String(detail)));
  }
  return dl;
}

const setStatus = (text, kind = 'info') => {
  $('status').textContent = text;
  $('status').dataset.kind = kind;
};

// ---- inputs ----------------------------------------------------------------------------------

const value = (id) => $(id).value.trim();

/** The clock used for the token checks and the signature: the time field, else this computer's. */
function clock() {
  const text = value('time');
  if (!text) return { now: Date.now(), source: 'this computer\'s clock, read at the last change' };
  const now = parseIso8601(text);
  if (now === null) return { now: Date.now(), source: 'this computer\'s clock', invalid: true };
  return { now, source: 'the time field' };
}

function readInput(now) {
  const input = { region: value('region') || undefined, clusterName: value('cluster-name'), token: value('token'), now };
  if (value('endpoint')) input.endpoint = value('endpoint');
  if ($('use-fips').checked) input.useFips = true;
  const [accessKeyId, secretAccessKey, sessionToken] = ['access-key-id', 'secret-access-key', 'session-token'].map(value);
  if (accessKeyId || secretAccessKey || sessionToken) {
    input.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  for (const [id, name] of [['eks-node-name', 'eksNodeName'], ['instance-id', 'instanceId'], ['zone', 'zone']]) {
    if (value(id)) input[name] = value(id);
  }
  return input;
}

/** Every secret the page holds now: the inputs' and those received in the answer shown. */
function secrets(received = []) {
  return [value('token'), value('secret-access-key'), value('session-token'), ...received];
}

/** Text as shown: secrets masked until revealed. */
function shown(text, received = []) {
  return state.revealed ? text : redact(text, secrets(received));
}

function markInvalid(id, message) {
  const input = $(id);
  if (!input) return;
  input.setAttribute('aria-invalid', 'true');
  input.title = message;
}

function clearInvalid(ids) {
  for (const id of ids) {
    $(id)?.removeAttribute('aria-invalid');
    $(id)?.removeAttribute('title');
  }
}

// ---- everything, from the inputs ---------------------------------------------------------------

function update() {
  const c = clock();
  clearInvalid(['time']);
  if (c.invalid) markInvalid('time', 'not a date and time with seconds, such as 2025-11-28T15:00:00Z');
  $('clock').textContent = c.invalid
    ? `Not a date and time with seconds, such as 2025-11-28T15:00:00Z: using this computer's clock, ${bothZones(c.now)}.`
    : `Checking and signing at ${bothZones(c.now)}: ${c.source}.`;
  const input = readInput(c.now);
  renderToken(input);
  renderRequest(input);
  renderResponse();
  renderDiff();
}

// ---- token -----------------------------------------------------------------------------------

function renderToken(input) {
  const checks = $('token-checks');
  const claims = $('token-claims');
  if (!input.token) {
    checks.replaceChildren(el('li', { class: 'placeholder' }, 'No token yet: paste one, or load its file, to check it.'));
    claims.replaceChildren();
    $('token-json').textContent = '';
    return;
  }
  const inspection = inspectToken(input.token, input.now);
  checks.replaceChildren(...inspection.checks.map((check) => el(
    'li',
    { 'data-check': check.name, 'data-status': check.status },
    el('span', { class: 'verdict' }, check.status === 'pass' ? 'Pass' : 'Fail'),
    ' ',
    el('strong', {}, CHECK_LABELS[check.name] ?? check.name),
    `: ${checkDetail(check, inspection)}`,
  )));
  const nowMs = inspection.now * 1000;
  const at = (seconds) => (seconds === undefined ? undefined : `${bothZones(seconds * 1000)}, ${relative(seconds * 1000, nowMs)}`);
  const expiry = inspection.expiresAt === undefined ? undefined
    : `${inspection.expiresIn > 0 ? 'expires' : 'expired'} ${relative(inspection.expiresAt * 1000, nowMs)}`;
  rows(claims, [
    ['Namespace', inspection.namespace, { 'data-claim': 'namespace' }],
    ['Service account', inspection.serviceAccount, { 'data-claim': 'serviceAccount' }],
    ['Pod', inspection.podName && `${inspection.podName}${inspection.podUid ? ` (uid ${inspection.podUid})` : ''}`, { 'data-claim': 'pod' }],
    ['Node', inspection.nodeName, { 'data-claim': 'node' }],
    ['Issuer (iss)', inspection.issuer, { 'data-claim': 'issuer' }],
    ['Audience (aud)', inspection.audience.join(', '), { 'data-claim': 'audience' }],
    ['Subject (sub)', inspection.subject, { 'data-claim': 'subject' }],
    ['Issued (iat)', at(inspection.issuedAt), { 'data-claim': 'issuedAt' }],
    ['Expires (exp)', inspection.expiresAt === undefined ? undefined : bothZones(inspection.expiresAt * 1000), { 'data-claim': 'expiresAt' }],
    ['Expiry', expiry, { 'data-claim': 'timeLeft' }],
    ['Not before (nbf)', at(inspection.notBefore), { 'data-claim': 'notBefore' }],
    ['Key ID (kid)', inspection.header?.kid, { 'data-claim': 'keyId' }],
    ['Algorithm (alg)', inspection.header?.alg, { 'data-claim': 'algorithm' }],
  ]);
  $('token-json').textContent = JSON.stringify({ header: inspection.header ?? null, claims: inspection.claims ?? null }, null, 2);
}

/**
 * A check's detail as the core wrote it, except the two about time: the core judged them, and the
 * page says the distance as people do ("expired 73 years ago") from the same numbers, by the clock
 * shown under the time field.
 */
function checkDetail(check, inspection) {
  const nowMs = inspection.now * 1000;
  if (check.name === 'not-expired' && inspection.expiresAt !== undefined) {
    const exp = inspection.expiresAt * 1000;
    return check.status === 'pass'
      ? `expires ${relative(exp, nowMs)} (exp ${isoUtc(exp)})`
      : `expired ${relative(exp, nowMs)} (exp ${isoUtc(exp)}). The kubelet rotates the projected token: read the file again.`;
  }
  if (check.name === 'not-before' && inspection.notBefore !== undefined) {
    const nbf = inspection.notBefore * 1000;
    return check.status === 'pass'
      ? `valid since ${isoUtc(nbf)} (nbf, ${relative(nbf, nowMs)})`
      : `not valid for another ${formatDuration(nbf - nowMs)} (nbf ${isoUtc(nbf)}). A clock is off, here or on the token's issuer.`;
  }
  return check.detail;
}

// ---- request ---------------------------------------------------------------------------------

const REQUEST_OUTPUTS = ['endpoint-url', 'headers', 'body', 'canonical-request', 'string-to-sign', 'credential-scope', 'signed-headers', 'signature', 'authorization', 'curl'];

function renderRequest(input) {
  clearInvalid(Object.values(FIELD_INPUTS).filter((id) => id !== 'time'));
  $('request-error').hidden = true;
  $('signature-warning').hidden = true;
  try {
    const request = buildAssumeRoleRequest(input);
    state.built = { input, request, explanation: explainSignature(input) };
  } catch (error) {
    state.built = undefined;
    for (const id of REQUEST_OUTPUTS) $(id).textContent = '';
    // No token yet is where everyone starts, not a mistake: say so without marking the field.
    const waiting = !input.token && error.field === 'token';
    const message = redact(error.message ?? String(error), secrets());
    state.notBuilt = waiting ? 'there is no token yet (paste one under Token)' : message;
    $('request-error').textContent = waiting ? 'No token yet: paste one under Token to build the request.' : `Cannot build the request: ${message}`;
    $('request-error').className = waiting ? 'help' : 'field-error';
    $('request-error').hidden = false;
    if (!waiting) for (const id of fieldsOf(error)) markInvalid(id, message);
    return;
  }
  const { request, explanation } = state.built;
  $('endpoint-url').textContent = request.url;
  const lines = [`host: ${new URL(request.url).host}`, ...Object.entries(request.headers).map(([n, v]) => `${n}: ${v}`)];
  $('headers').textContent = shown(lines.join('\n'));
  $('body').textContent = shown(request.body);
  const unsigned = 'Not signed: no caller credentials given.';
  $('canonical-request').textContent = explanation?.canonicalRequest ?? unsigned;
  $('string-to-sign').textContent = explanation?.stringToSign ?? unsigned;
  $('credential-scope').textContent = explanation?.credentialScope ?? '—';
  $('signed-headers').textContent = explanation?.signedHeaders ?? '—';
  $('signature').textContent = explanation?.signature ?? '—';
  $('authorization').textContent = explanation?.authorization ?? unsigned;
  if (explanation && !explanation.matchesRequest) {
    $('signature-warning').textContent = 'The stages above do not lead to the Authorization the request carries: a bug in this console, please report it.';
    $('signature-warning').hidden = false;
  }
  $('curl').textContent = shown(curlCommand(request));
}

/** The inputs an error is about. */
function fieldsOf(error) {
  if (error.field) return [FIELD_INPUTS[error.field]].filter(Boolean);
  if (error.code === 'InvalidConfiguration') {
    if (/FIPS/.test(error.message)) return ['endpoint', 'use-fips'];
    if (/Region/.test(error.message)) return ['region'];
  }
  return [];
}

// ---- response --------------------------------------------------------------------------------

/** The answer to read: the one Send received while its fields are untouched, else the fields. */
function answer() {
  if (state.sent) return state.sent;
  const statusText = value('response-status');
  const bodyText = $('response-body').value;
  if (!statusText && !bodyText.trim() && !value('response-headers')) return undefined;
  return { status: Number(statusText), headers: parseHeaderLines($('response-headers').value), bodyText, input: state.built?.input };
}

/** Credentials in a 200 body, even one the core refuses: masked all the same. */
function receivedSecrets(bodyText) {
  try {
    const { credentials } = JSON.parse(bodyText);
    return [credentials?.secretAccessKey, credentials?.sessionToken].filter((s) => typeof s === 'string');
  } catch {
    return [];
  }
}

function renderResponse() {
  const out = $('response-result');
  const a = answer();
  out.replaceChildren();
  delete out.dataset.errorCode;
  if (!a) {
    out.dataset.outcome = 'empty';
    out.append(el('p', { class: 'placeholder' }, 'No response yet: paste one (status, headers, body), or press Send.'));
    return;
  }
  const received = receivedSecrets(a.bodyText);
  const input = a.input ?? state.built?.input ?? readInput(clock().now);
  if (a.proxyError) {
    let message = a.bodyText;
    try {
      message = JSON.parse(a.bodyText).message ?? message;
    } catch { /* plain text */ }
    renderError({ code: a.proxyError, message, status: a.status, retryable: true }, input, a, received, 'from this console\'s server: the endpoint did not answer');
    return;
  }
  let result;
  try {
    result = parseAssumeRoleResponse({ status: a.status, headers: a.headers, body: a.bodyText });
  } catch (error) {
    if (error.code === 'InvalidInput') {
      out.dataset.outcome = 'invalid';
      out.append(el('p', { class: 'field-error' }, `Cannot read this response: ${error.message}`));
      return;
    }
    renderError(error, input, a, received);
    return;
  }
  renderCredentials(result, input, a, received);
}

function renderError(error, input, a, received, note) {
  const out = $('response-result');
  out.dataset.outcome = 'error';
  out.dataset.errorCode = error.code;
  const date = a.headers.find(([name]) => name.toLowerCase() === 'date')?.[1];
  const skewMs = clockSkew({ now: input.now, date, code: error.code, message: error.message });
  const explanation = explainError(error, {
    inspection: input.token ? inspectToken(input.token, input.now) : undefined,
    now: input.now,
    skewMs,
    clusterName: input.clusterName,
    region: input.region,
    accessKeyId: input.credentials?.accessKeyId,
    hasSessionToken: Boolean(input.credentials?.sessionToken),
    proxyTarget: state.proxy?.target,
  });
  const message = shown(error.message ?? '', received);
  out.append(
    /^\d{3}$/.test(error.code)
      ? el('p', { class: 'verdict-line fail' }, el('strong', {}, `HTTP ${error.code}`), ', with no AWS error type')
      : el('p', { class: 'verdict-line fail' }, el('strong', { class: 'code' }, error.code), error.status ? ` — HTTP ${error.status}` : '', note ? ` (${note})` : ''),
    el('h3', {}, 'What it means'),
    el('p', { class: 'meaning' }, shown(explanation.meaning)),
    el('h3', {}, 'What to do'),
    el('p', { class: 'action' }, shown(explanation.action)),
  );
  if (explanation.suggestedTime !== undefined) {
    const button = el('button', { type: 'button', class: 'secondary', id: 'use-server-time' }, `Sign with the server's time (${isoUtc(explanation.suggestedTime)})`);
    button.addEventListener('click', () => {
      $('time').value = isoUtc(explanation.suggestedTime);
      update();
      $('time').focus();
    });
    out.append(button);
  }
  out.append(rows(el('dl', { class: 'kv' }), [
    ['Message', message, { class: 'mono message' }],
    ['Request ID', error.requestId],
    ['Retryable', yesNo(error.retryable)],
    ['Agent drops its cached credentials', yesNo(error.irrecoverable)],
    ['At fault', FAULTS[error.fault] ?? error.fault],
  ]));
  // A signature mismatch carries AWS's canonical request: line it up with ours.
  const expected = /should have been\n'/.test(error.message ?? '') ? extractCanonicalRequest(error.message) : undefined;
  if (expected && (state.expectedFromAnswer || !value('expected-canonical-request'))) {
    $('expected-canonical-request').value = expected;
    state.expectedFromAnswer = true;
  }
  if (expected) out.append(el('p', { class: 'help' }, 'The canonical request AWS quotes in this message is lined up with ours under Signature mismatch, below.'));
}

function renderCredentials(result, input, a, received) {
  const out = $('response-result');
  out.dataset.outcome = 'credentials';
  const c = result.credentials ?? {};
  const secret = (s) => (s === undefined ? undefined : state.revealed ? s : MASK);
  let accountId;
  try {
    accountId = toContainerCredentials(result).AccountId;
  } catch { /* shown below with the formats */ }
  const expiresMs = c.expiration === undefined ? undefined : c.expiration * 1000;
  out.append(
    el('p', { class: 'verdict-line ok' }, el('strong', {}, 'Credentials received'), ` — HTTP ${a.status}`),
    rows(el('dl', { class: 'kv' }), [
      ['Assumed role', result.assumedRoleUser?.arn],
      ['Account', accountId],
      ['Subject', result.subject && `${result.subject.namespace}/${result.subject.serviceAccount}`],
      ['Audience', result.audience],
      ['Association', result.podIdentityAssociation?.associationArn],
      ['Access key ID', c.accessKeyId],
      ['Secret access key', secret(c.secretAccessKey), { class: 'mono secret' }],
      ['Session token', secret(c.sessionToken), { class: 'mono secret' }],
      [expiresMs > input.now ? 'Expires' : 'Expired', expiresMs === undefined ? undefined : `${relative(expiresMs, input.now)}, by the clock used`, { 'data-expiration': 'relative' }],
      ['Expiry (UTC)', expiresMs === undefined ? undefined : isoUtc(expiresMs), { 'data-expiration': 'utc' }],
      ['Expiry (local)', expiresMs === undefined ? undefined : new Date(expiresMs).toLocaleString(undefined, { timeZoneName: 'short' }), { 'data-expiration': 'local' }],
      ['Workload identity provider', result.workloadIdentityProviderArn],
    ]),
  );
  const formats = [
    ['container', 'Container credentials (what the agent serves to SDKs)', toContainerCredentials],
    ['process', 'credential_process output', toCredentialProcess],
    ['shell', 'Shell exports', toShellExports],
  ];
  for (const [name, title, format] of formats) {
    let text;
    let copyable;
    try {
      const formatted = format(result);
      copyable = typeof formatted === 'string' ? formatted : JSON.stringify(formatted, null, 2);
      text = shown(copyable, received);
    } catch (e) {
      text = `(${e.code ?? 'error'}: ${shown(e.message, received)})`;
    }
    const id = `format-${name}`;
    out.append(
      el('h3', { id: `${id}-title` }, title),
      el('div', { class: 'copyable' },
        el('pre', { id, 'aria-labelledby': `${id}-title` }, text),
        copyable ? copyButton(copyable, `Copy ${title}, secrets included`) : undefined),
    );
  }
  out.append(el('p', { id: 'copy-status', class: 'help', role: 'status', 'aria-live': 'polite' }));
}

/** `true` → `yes`; undefined stays undefined (the row is left out). */
const FAULTS = { client: 'the request (client)', server: 'the service (server)' };
const yesNo = (flag) => (flag === undefined ? undefined : flag ? 'yes' : 'no');

// ---- signature mismatch ------------------------------------------------------------------------

const differing = (n) => (n === 1 ? '1 line differs' : `${n} lines differ`);

function renderDiff() {
  const out = $('signature-diff');
  out.replaceChildren();
  const pasted = $('expected-canonical-request').value;
  if (!pasted.trim()) {
    out.append(el('p', { class: 'placeholder' }, 'Nothing to compare yet. After an InvalidSignatureException, Send fills in the canonical request AWS expected (or paste it) to show which line differs from ours.'));
    return;
  }
  const ours = state.built?.explanation?.canonicalRequest;
  if (!ours) {
    out.append(el('p', { class: 'placeholder' }, state.built ? 'Our request is not signed: give caller credentials to compare.' : 'Our request could not be built: see Request.'));
    return;
  }
  const { rows: lines, changedParts } = diffCanonicalRequests(pasted, ours);
  out.append(el('p', { class: `verdict-line ${changedParts.length ? 'fail' : 'ok'}` }, changedParts.length
    ? `${differing(lines.filter((r) => r.diff === 'changed').length)}: ${changedParts.join(', ')}.`
    : 'Identical: the request arrived as it was signed, so the signing key is wrong. The secret access key does not belong to the access key ID, or the session token belongs to another session.'));
  if (changedParts.length) out.append(el('ul', { class: 'advice' }, ...changedParts.map((part) => el('li', {}, adviceFor(part)))));
  const cell = (text, other, changed) => {
    if (text === undefined) return el('td', { class: 'missing' }, '(no line)');
    if (!changed || other === undefined) return el('td', {}, el('code', {}, text === '' ? '⏎' : text));
    const [start, end] = differingSpan(text, other);
    return el('td', {}, el('code', {}, text.slice(0, start), el('mark', {}, text.slice(start, text.length - end) || '⏎'), text.slice(text.length - end)));
  };
  const body = el('tbody', {}, ...lines.map((row) => el(
    'tr',
    { 'data-diff': row.diff, 'data-part': row.part },
    el('th', { scope: 'row' }, row.part),
    cell(row.expected, row.ours, row.diff === 'changed'),
    cell(row.ours, row.expected, row.diff === 'changed'),
  )));
  out.append(el(
    'table',
    { class: 'diff' },
    el('caption', {}, 'AWS\'s canonical request beside ours, line by line'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Part'), el('th', { scope: 'col' }, 'AWS expected'), el('th', { scope: 'col' }, 'Ours'))),
    body,
  ));
}

// ---- send --------------------------------------------------------------------------------------

/** The path on this server that forwards `url`, or undefined when the proxy cannot. */
function proxyPathFor(url) {
  const target = state.proxy?.target;
  if (!target || !url.startsWith(`${target}/`)) return undefined;
  return state.proxy.path + url.slice(target.length);
}

const sendStatus = (text) => {
  $('send-status').textContent = text;
};

/** The Response fields show the answer Send received, secrets masked until revealed. */
function showAnswerInFields() {
  const { status, headers, bodyText } = state.sent;
  const received = receivedSecrets(bodyText);
  $('response-status').value = String(status);
  $('response-headers').value = shown(headers.map(([n, v]) => `${n}: ${v}`).join('\n'), received);
  $('response-body').value = shown(bodyText, received);
}

async function send() {
  update(); // a fresh signing time when the time field is empty
  const built = state.built;
  if (!built) {
    sendStatus(`Not sent: ${state.notBuilt}`);
    (document.querySelector('[aria-invalid="true"]') ?? $('token')).focus();
    return;
  }
  const path = proxyPathFor(built.request.url);
  if (!path) {
    const origin = new URL(built.request.url).origin;
    sendStatus(state.proxy
      ? `Not sent: this console can send only to ${state.proxy.target}, and the request is for ${origin}. Set the custom endpoint to ${state.proxy.target}, or restart the console with --endpoint ${origin}.`
      : 'Not sent: this page was opened without the console server, which sends for it (EKS Auth does not answer browsers directly: no CORS headers).');
    markInvalid('endpoint', 'not the endpoint this console sends to');
    return;
  }
  $('send').disabled = true;
  sendStatus('Sending…');
  let response;
  let bodyText;
  try {
    response = await fetch(path, {
      method: built.request.method, headers: built.request.headers, body: built.request.body,
      cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer',
    });
    bodyText = new TextDecoder().decode(await response.arrayBuffer());
  } catch (e) {
    sendStatus(`Not sent: this console's server did not answer (${e?.message ?? e}). Is it still running?`);
    return;
  } finally {
    $('send').disabled = false;
  }
  state.sent = {
    status: response.status, headers: [...response.headers], bodyText,
    proxyError: response.headers.get(PROXY_ERROR_HEADER) ?? undefined, input: built.input,
  };
  showAnswerInFields();
  renderResponse();
  renderDiff();
  const outcome = $('response-result').dataset.errorCode ?? 'credentials received';
  sendStatus(`Sent (signed at ${isoUtc(built.input.now)}): HTTP ${response.status}, ${outcome}. See Response below.`);
  setStatus(`Sent: HTTP ${response.status}, ${outcome}.`, response.ok ? 'ok' : 'error');
}

// ---- reveal, token file, copy ------------------------------------------------------------------

function toggleReveal() {
  state.revealed = !state.revealed;
  $('reveal').setAttribute('aria-pressed', String(state.revealed));
  $('reveal').textContent = state.revealed ? 'Hide secrets' : 'Show secrets';
  for (const id of SECRET_INPUTS) $(id).type = state.revealed ? 'text' : 'password';
  if (state.sent) showAnswerInFields();
  update();
}

async function loadTokenFile() {
  const file = $('token-file').files?.[0];
  if (!file) return;
  if (file.size > 64 * 1024) {
    setStatus(`${file.name} is ${file.size} bytes: too big for a service-account token file.`, 'error');
    return;
  }
  $('token').value = (await file.text()).trim();
  update();
  setStatus(`Token loaded from ${file.name}.`);
}

/** What each Copy button copies: kept in memory, never in the DOM. */
const copyTexts = new WeakMap();

function copyButton(text, label) {
  const button = el('button', { type: 'button', class: 'secondary copy', 'data-copy': '', 'aria-label': label }, 'Copy');
  copyTexts.set(button, text);
  return button;
}

async function copy(button) {
  const status = $('copy-status');
  try {
    await navigator.clipboard.writeText(copyTexts.get(button) ?? '');
    status.textContent = 'Copied, secrets included.';
  } catch {
    status.textContent = 'The clipboard is not available here: press Show secrets and select the text.';
  }
}

// ---- start -------------------------------------------------------------------------------------

async function loadDefaults() {
  let defaults = {};
  try {
    const response = await fetch('/defaults.json', { cache: 'no-store', credentials: 'omit' });
    if (response.ok) defaults = await response.json();
  } catch { /* opened without the console server: no proxy */ }
  state.proxy = defaults.proxy;
  const fields = { region: 'region', clusterName: 'cluster-name', endpoint: 'endpoint', eksNodeName: 'eks-node-name', instanceId: 'instance-id', zone: 'zone' };
  for (const [name, id] of Object.entries(fields)) if (typeof defaults[name] === 'string') $(id).value = defaults[name];
  $('use-fips').checked = defaults.useFips === true;
  const dev = defaults.devCredentials;
  if (dev) {
    $('access-key-id').value = dev.accessKeyId ?? '';
    $('secret-access-key').value = dev.secretAccessKey ?? '';
    $('session-token').value = dev.sessionToken ?? '';
    $('dev-credentials-note').hidden = false;
  }
  const target = state.proxy?.target ?? 'nowhere (this page was opened without the console server, so Send is off)';
  $('proxy-target').textContent = target;
  $('endpoint-target').textContent = target;
}

async function main() {
  $('send').disabled = true;
  try {
    await Promise.all([init(), initInspect()]);
  } catch (e) {
    setStatus(`The console's WebAssembly module did not load: ${e?.message ?? e}`, 'error');
    return;
  }
  await loadDefaults();
  document.addEventListener('submit', (event) => event.preventDefault()); // Enter never sends
  document.addEventListener('input', (event) => {
    const id = event.target?.id;
    if (id === 'token-file') return;
    if (RESPONSE_INPUTS.includes(id)) state.sent = undefined;
    if (id === 'expected-canonical-request') state.expectedFromAnswer = false;
    // Send's status tells of the request sent: stale once the request's inputs change.
    else if (!RESPONSE_INPUTS.includes(id)) sendStatus('');
    update();
  });
  $('token-file').addEventListener('change', () => loadTokenFile());
  $('send').addEventListener('click', () => send());
  $('reveal').addEventListener('click', toggleReveal);
  $('response-result').addEventListener('click', (event) => {
    const button = event.target.closest?.('button[data-copy]');
    if (button) copy(button);
  });
  update();
  $('send').disabled = false;
  setStatus('Ready. Results follow your inputs as you type; nothing is sent until you press Send.');
  document.body.dataset.ready = 'true';
}

main();
