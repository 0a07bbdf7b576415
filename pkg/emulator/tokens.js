/**
 * Projected service-account tokens, minted and verified the way an EKS cluster's OIDC issuer and
 * EKS Auth do: RS256 JWTs with audience `pods.eks.amazonaws.com`, bound to a pod.
 *
 * The emulator is its own issuer: it holds one RSA key (generated at start or supplied, so tokens
 * can survive a restart) and accepts only tokens that key signed.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { modeledError } from './errors.js';

/** The audience EKS Pod Identity tokens carry and EKS Auth requires. */
export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com';
/** Lifetime of an EKS-projected token (`exp - iat`). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 86400;

/** The model's token pattern: three base64url-ish segments, whole string. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+$/;
const SUBJECT_PATTERN = /^system:serviceaccount:([^:]+):([^:]+)$/;

const INVALID_TOKEN_MESSAGE = 'The specified Kubernetes service account token is invalid.';
const EXPIRED_TOKEN_MESSAGE = 'The specified Kubernetes service account token has expired.';

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * Creates the issuer for one emulator.
 *
 * @param {{ region: string, now: () => number, signingKey?: string | import('node:crypto').KeyObject }} options
 *   `signingKey`: an RSA private key (PEM text or KeyObject); generated (2048 bits) when absent.
 */
export async function createTokenAuthority({ region, now, signingKey }) {
  const privateKey = signingKey === undefined
    ? (await generateRsaKeyPair('rsa', { modulusLength: 2048 })).privateKey
    : (typeof signingKey === 'string' ? createPrivateKey(signingKey) : signingKey);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new TypeError('signingKey must be an RSA private key');
  }
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // Both derive from the key, so a restart with the same key keeps earlier tokens valid.
  const kid = createHash('sha1').update(spki).digest('hex');
  const oidcId = createHash('sha256').update(spki).digest('hex').slice(0, 32).toUpperCase();
  const dnsSuffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const issuer = `https://oidc.eks.${region}.${dnsSuffix}/id/${oidcId}`;

  /**
   * Mints a pod-bound service-account token.
   * @param {import('./index.js').MintTokenOptions} options
   * @returns {Promise<string>}
   */
  async function mintToken({
    namespace, serviceAccount, podName, podUid, nodeName, audience,
    lifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS, notBefore, now: mintNow,
  } = {}) {
    requireName('namespace', namespace);
    requireName('serviceAccount', serviceAccount);
    if (podName !== undefined) requireName('podName', podName);
    if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
      throw new TypeError('lifetimeSeconds must be a positive integer');
    }
    const nowMillis = typeof mintNow === 'function' ? mintNow() : (mintNow ?? now());
    const issuedAt = Math.floor(nowMillis / 1000);
    // Claim order follows a real projected token: aud, exp, iat, iss, jti, kubernetes.io, nbf, sub.
    const claims = {
      aud: [audience ?? POD_IDENTITY_AUDIENCE].flat(),
      exp: issuedAt + lifetimeSeconds,
      iat: issuedAt,
      iss: issuer,
      jti: randomUUID(),
      'kubernetes.io': {
        namespace,
        pod: { name: podName ?? `${serviceAccount}-${randomUUID().slice(0, 5)}`, uid: podUid ?? randomUUID() },
        serviceaccount: { name: serviceAccount, uid: randomUUID() },
        node: { name: nodeName ?? `ip-10-0-0-1.${region}.compute.internal`, uid: randomUUID() },
      },
      nbf: notBefore ?? issuedAt,
      sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    };
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
  }

  /**
   * Verifies a token as EKS Auth does and returns the pod identity it names.
   * Throws 400 `InvalidTokenException` (unparsable, foreign key, wrong audience or issuer, not yet
   * valid, not pod-bound) or 400 `ExpiredTokenException`.
   * @param {string} token
   * @param {number} nowMillis
   */
  async function verifyToken(token, nowMillis) {
    if (!TOKEN_PATTERN.test(token)) throw invalid('token is not a compact JWS');
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalid('token header is not decodable');
    }
    if (header.kid !== kid) throw invalid('token kid is not the emulator key');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, publicKey, {
        algorithms: ['RS256'],
        issuer,
        audience: POD_IDENTITY_AUDIENCE,
        currentDate: new Date(nowMillis),
        requiredClaims: ['exp', 'iat', 'nbf', 'sub'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw modeledError('ExpiredTokenException', EXPIRED_TOKEN_MESSAGE, 'token expired');
      }
      throw invalid(describeJoseError(error));
    }
    const subject = SUBJECT_PATTERN.exec(payload.sub);
    if (!subject) throw invalid('sub is not system:serviceaccount:<namespace>:<name>');
    const [, namespace, serviceAccount] = subject;
    const kubernetes = payload['kubernetes.io'];
    if (kubernetes?.namespace !== namespace || kubernetes?.serviceaccount?.name !== serviceAccount) {
      throw invalid('kubernetes.io claims do not match sub');
    }
    // EKS Pod Identity only accepts pod-bound tokens: the pod name goes into the role session name.
    if (typeof kubernetes.pod?.name !== 'string' || kubernetes.pod.name === '') {
      throw invalid('token is not bound to a pod');
    }
    return { namespace, serviceAccount, podName: kubernetes.pod.name, podUid: kubernetes.pod.uid, claims: payload };
  }

  return { issuer, kid, publicKey, mintToken, verifyToken };
}

function invalid(reason) {
  return modeledError('InvalidTokenException', INVALID_TOKEN_MESSAGE, reason);
}

/** A log-safe reason for a failed verification; jose's messages never quote the token. */
function describeJoseError(error) {
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim check failed: ${error.claim}`;
  return 'token unparsable';
}

function requireName(name, value) {
  if (typeof value !== 'string' || value === '' || value.includes(':')) {
    throw new TypeError(`${name} must be a non-empty string without ':'`);
  }
}
