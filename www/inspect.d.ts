// Types of the console's own calls (www/inspect.js): the core's token inspection and signature
// explanation, from the console's module.
import type { AssumeRoleInput } from '../pkg/index.js';

/** Loads the console's module once. */
export function initInspect(): Promise<unknown>;

/** Stable names of the token checks, in report order. */
export type TokenCheckName = 'three-segments' | 'audience' | 'not-expired' | 'not-before' | 'subject' | 'pod-binding';

export interface TokenCheck {
  name: TokenCheckName;
  status: 'pass' | 'fail';
  /** Why, in words, with the values judged (never the token). */
  detail: string;
}

/** A service-account token decoded and judged at an instant; claims are unverified. */
export interface TokenInspection {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  issuer?: string;
  subject?: string;
  audience: string[];
  namespace?: string;
  serviceAccount?: string;
  podName?: string;
  podUid?: string;
  nodeName?: string;
  /** Epoch seconds. */
  issuedAt?: number;
  expiresAt?: number;
  notBefore?: number;
  /** The instant judged at, whole epoch seconds. */
  now: number;
  /** `exp - now`, seconds; negative once expired. */
  expiresIn?: number;
  /** `now - iat`, seconds. */
  age?: number;
  checks: TokenCheck[];
  /** Every check passes. */
  valid: boolean;
}

/** Every SigV4 stage of a request, beside the `Authorization` the signed request carries. */
export interface SignatureExplanation {
  /** Session token redacted. */
  canonicalRequest: string;
  canonicalRequestHash: string;
  payloadHash: string;
  signedHeaders: string;
  credentialScope: string;
  amzDate: string;
  stringToSign: string;
  signature: string;
  /** The signed request's own header (aws-sigv4's signature). */
  authorization: string;
  /** The stages lead to exactly `authorization`. */
  matchesRequest: boolean;
}

/** Decodes a token and runs EKS Auth's face checks at `now` (epoch ms); never throws for a malformed token. */
export function inspectToken(token: string, now: number): TokenInspection;
/** The signature of the request `buildAssumeRoleRequest(input)` builds, stage by stage; `null` when unsigned. */
export function explainSignature(input: AssumeRoleInput & { now: number }): SignatureExplanation | null;
/** Epoch ms of an ISO 8601 date-time with seconds (no zone: UTC), or `null`. */
export function parseIso8601(text: string): number | null;
