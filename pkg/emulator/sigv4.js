/**
 * SigV4 verification for the emulator, the way the AWS front end checks a request.
 *
 * The signature is recomputed with @smithy/signature-v4 (the AWS SDK for JavaScript's signer), an
 * implementation independent of this project's Rust signer, so the emulator can serve as an oracle
 * for it: from the request's method, raw path, query, the headers named in SignedHeaders, the body,
 * the caller's secret and the request's own X-Amz-Date.
 */
import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  ALGORITHM_IDENTIFIER,
  SignatureV4,
  createScope,
  getCanonicalHeaders,
  getPayloadHash,
} from '@smithy/signature-v4';
import { AUTH_MESSAGES, authError } from './errors.js';

/** SigV4 signing name of EKS Auth. */
export const SIGNING_SERVICE = 'eks-auth';
/** AWS accepts an X-Amz-Date up to 5 minutes away from its own clock, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Authenticates one request; resolves to the matching caller or throws a 403 `ServiceError`.
 *
 * Check order: Authorization present and well formed, known access key, matching session token,
 * credential scope, clock skew, then the signature itself.
 *
 * @param {{ method: string, path: string, query: string, headers: Map<string, string>, body: Uint8Array }} request
 *   `path` and `query` raw as received (still percent-encoded); header names lower-case.
 * @param {{ region: string, callers: Map<string, {accessKeyId: string, secretAccessKey: string, sessionToken?: string}>, nowMillis: number }} context
 */
export async function authenticateRequest(request, { region, callers, nowMillis }) {
  const authorization = request.headers.get('authorization');
  if (authorization === undefined) {
    throw authError('MissingAuthenticationTokenException', AUTH_MESSAGES.missingAuthenticationToken, 'no Authorization header');
  }
  const { credential, signedHeaders, signature } = parseAuthorization(authorization);

  const amzDate = request.headers.get('x-amz-date');
  if (amzDate === undefined) {
    throw authError('IncompleteSignatureException',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", 'no X-Amz-Date');
  }
  const requestSeconds = parseAmzDate(amzDate);
  if (requestSeconds === undefined) {
    throw authError('IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`, 'malformed X-Amz-Date');
  }

  const scope = credential.split('/');
  if (scope.length !== 5) {
    throw authError('IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
      'malformed Credential');
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator] = scope;

  const caller = callers.get(accessKeyId);
  if (caller === undefined) {
    throw authError('UnrecognizedClientException', AUTH_MESSAGES.unrecognizedClient, 'unknown access key');
  }
  // A caller configured with a session token is a temporary credential: the request must present
  // exactly that token; a long-term key must present none.
  if (!sameSecret(request.headers.get('x-amz-security-token'), caller.sessionToken)) {
    throw authError('UnrecognizedClientException', AUTH_MESSAGES.unrecognizedClient, 'session token mismatch');
  }

  if (scopeDate !== amzDate.slice(0, 8)) {
    throw authError('InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from 'X-Amz-Date'.`,
      'credential scope date mismatch');
  }
  if (scopeRegion !== region) {
    throw authError('InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${scopeRegion}'.`, 'credential scope region mismatch');
  }
  if (scopeService !== SIGNING_SERVICE) {
    throw authError('InvalidSignatureException',
      `Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`, 'credential scope service mismatch');
  }
  if (scopeTerminator !== 'aws4_request') {
    throw authError('InvalidSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${scopeTerminator}'.`,
      'credential scope terminator mismatch');
  }

  checkClockSkew(amzDate, requestSeconds, Math.floor(nowMillis / 1000));

  const signedHeaderNames = signedHeaders.split(';');
  if (!signedHeaderNames.includes('host')) {
    throw authError('InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", 'host not signed');
  }

  const expected = await computeSignature(request, {
    caller, region, amzDate, signedHeaderNames,
  });
  if (!sameSecret(signature, expected.signature)) {
    throw authError('InvalidSignatureException', signatureMismatchMessage(expected), 'signature mismatch');
  }
  return caller;
}

/**
 * Recomputes the signature the caller should have sent, with the canonical request and string to
 * sign that led to it (both go into the mismatch message).
 */
export async function computeSignature(request, { caller, region, amzDate, signedHeaderNames }) {
  const credentials = { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey };
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region,
    credentials,
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  // Only the headers the caller declared signed take part; a declared header that did not arrive
  // is left out, so the mismatch message shows what the emulator actually received.
  const headers = {};
  for (const name of signedHeaderNames) {
    const value = request.headers.get(name);
    if (value !== undefined) headers[name] = value;
  }
  const signable = { method: request.method, path: request.path, query: parseQuery(request.query), headers };
  const canonicalHeaders = getCanonicalHeaders(signable, undefined, new Set(signedHeaderNames));
  // The payload hash is always taken from the bytes received: an x-amz-content-sha256 header
  // claiming another hash cannot make a tampered body pass.
  const payloadHash = await getPayloadHash({ headers: {}, body: request.body }, Sha256);
  const canonicalRequest = signer.createCanonicalRequest(signable, canonicalHeaders, payloadHash);
  const shortDate = amzDate.slice(0, 8);
  const credentialScope = createScope(shortDate, region, SIGNING_SERVICE);
  const stringToSign = await signer.createStringToSign(amzDate, credentialScope, canonicalRequest, ALGORITHM_IDENTIFIER);
  const signingKey = signer.getSigningKey(credentials, region, shortDate, SIGNING_SERVICE);
  const signature = await signer.getSignature(amzDate, credentialScope, signingKey, canonicalRequest);
  return { canonicalRequest, stringToSign, signature };
}

/** The exact text AWS returns for a signature mismatch. */
export function signatureMismatchMessage({ canonicalRequest, stringToSign }) {
  return 'The request signature we calculated does not match the signature you provided. '
    + 'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
    + `\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'`
    + `\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`;
}

/** Formats epoch seconds as a SigV4 basic-format timestamp, `20240101T000000Z`. */
export function formatAmzDate(epochSeconds) {
  return new Date(epochSeconds * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Rejects a request signed more than 5 minutes away from the emulator's clock, with AWS's
 * "Signature expired" wording.
 */
function checkClockSkew(amzDate, requestSeconds, nowSeconds) {
  if (requestSeconds < nowSeconds - MAX_CLOCK_SKEW_SECONDS) {
    throw authError('InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowSeconds - MAX_CLOCK_SKEW_SECONDS)}`
        + ` (${formatAmzDate(nowSeconds)} - 5 min.)`, 'clock skew: request too old');
  }
  if (requestSeconds > nowSeconds + MAX_CLOCK_SKEW_SECONDS) {
    throw authError('InvalidSignatureException',
      `Signature expired: ${amzDate} is now later than ${formatAmzDate(nowSeconds + MAX_CLOCK_SKEW_SECONDS)}`
        + ` (${formatAmzDate(nowSeconds)} + 5 min.)`, 'clock skew: request in the future');
  }
}

/** Splits `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
function parseAuthorization(value) {
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const parameters = new Map();
  if (algorithm === ALGORITHM_IDENTIFIER) {
    for (const part of trimmed.slice(space + 1).split(',')) {
      const equals = part.indexOf('=');
      if (equals > 0) parameters.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
    }
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders']
    .filter((name) => !parameters.get(name))
    .map((name) => `Authorization header requires '${name}' parameter.`);
  if (missing.length > 0) {
    throw authError('IncompleteSignatureException', missing.join(' '), 'malformed Authorization header');
  }
  return {
    credential: parameters.get('Credential'),
    signedHeaders: parameters.get('SignedHeaders'),
    signature: parameters.get('Signature'),
  };
}

/** Epoch seconds of a basic-format X-Amz-Date, or undefined when it is not one. */
function parseAmzDate(value) {
  const match = AMZ_DATE_PATTERN.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(millis);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  return millis / 1000;
}

/**
 * Decodes a raw query string into the `{ key: value | value[] }` shape smithy canonicalizes.
 * Hand-rolled rather than URLSearchParams, which would turn a literal `+` into a space.
 */
function parseQuery(rawQuery) {
  const query = {};
  if (!rawQuery) return query;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = safeDecode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : safeDecode(pair.slice(equals + 1));
    if (Object.hasOwn(query, key)) query[key] = [].concat(query[key], value);
    else query[key] = value;
  }
  return query;
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Constant-time equality of two optional strings (both absent counts as equal). */
function sameSecret(a, b) {
  if (a === undefined || b === undefined) return a === b;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
