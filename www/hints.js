// Plain-language hints for a failed exchange, one per known error code. Pure functions of the
// error and what the page knows (the token's unverified claims, the inputs, the clock skew the core
// computed); no DOM, so Node tests can call them too. Never quotes a secret.

export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com';

/** `600000` → `10 min`, `3723000` → `1 h 2 min 3 s`. */
export function formatDuration(ms) {
  let s = Math.round(Math.abs(ms) / 1000);
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]]) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)} ${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s} s`);
  return parts.join(' ');
}

/** Epoch seconds → ISO 8601 UTC without milliseconds. */
export const isoSeconds = (seconds) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** `exp` relative to `now` (ms): "in 3 h" / "2 min ago". */
export function relative(seconds, nowMs) {
  const delta = seconds * 1000 - nowMs;
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}

/** Warnings about a token's claims, before sending it. */
export function claimWarnings(claims, { nowMs, region } = {}) {
  const warnings = [];
  if (!claims.audience?.includes(POD_IDENTITY_AUDIENCE)) {
    warnings.push(`The audience does not include ${POD_IDENTITY_AUDIENCE}: this is not an EKS Pod Identity token (use the file projected at /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token).`);
  }
  if (claims.expiresAt !== undefined && claims.expiresAt * 1000 <= nowMs) {
    warnings.push(`Expired ${relative(claims.expiresAt, nowMs)} (at ${isoSeconds(claims.expiresAt)}).`);
  }
  if (claims.notBefore !== undefined && claims.notBefore * 1000 > nowMs) {
    warnings.push(`Not valid yet: not before ${isoSeconds(claims.notBefore)} (${relative(claims.notBefore, nowMs)}); is a clock off?`);
  }
  const issuerRegion = /^https:\/\/oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/id\//.exec(claims.issuer ?? '')?.[1];
  if (region && issuerRegion && issuerRegion !== region) {
    warnings.push(`The issuer is in ${issuerRegion} but the request is for ${region}: EKS Auth must be called in the cluster's region.`);
  }
  return warnings;
}

/**
 * The hint for an error, or `undefined`.
 * @param {{ code: string, message?: string, status?: number }} error
 * @param {{ claims?: object, nowMs: number, skewMs?: number | null, clockOffsetSeconds?: number,
 *   clusterName?: string, region?: string, accessKeyId?: string, hasSessionToken?: boolean, proxyTarget?: string }} ctx
 * @returns {{ text: string, suggestedOffsetSeconds?: number } | undefined}
 */
export function hintFor(error, ctx) {
  const { claims, nowMs } = ctx;
  const who = claims?.namespace && claims?.serviceAccount
    ? `service account ${claims.namespace}/${claims.serviceAccount}`
    : 'the token\'s service account';
  const cluster = ctx.clusterName ? `'${ctx.clusterName}'` : 'the cluster';
  switch (error.code) {
    case 'InvalidTokenException': {
      const audience = claims ? (claims.audience?.length ? claims.audience.join(', ') : 'none') : 'unknown (the token does not decode)';
      const issuer = claims?.issuer ?? 'unknown';
      return { text: `EKS Auth refused the token itself. Its audience must include ${POD_IDENTITY_AUDIENCE} — this token's: ${audience}. `
        + `Its issuer must be the cluster's OIDC issuer (https://oidc.eks.<region>.amazonaws.com/id/<ID>) — this token's: ${issuer}. `
        + 'Use the token projected for EKS Pod Identity, not the default service-account token, and the cluster it was issued by.' };
    }
    case 'ExpiredTokenException': {
      if (error.status === 403) {
        return { text: 'The caller\'s own credentials expired (the session token of the node role or profile), not the pod\'s token: refresh the caller credentials.' };
      }
      if (claims?.expiresAt !== undefined) {
        const expired = claims.expiresAt * 1000 <= nowMs;
        return { text: `The service-account token expired at ${isoSeconds(claims.expiresAt)}; the request was signed at ${new Date(nowMs).toISOString()} `
          + `(${expired ? `${formatDuration(nowMs - claims.expiresAt * 1000)} later` : `${formatDuration(claims.expiresAt * 1000 - nowMs)} earlier, so EKS Auth's clock or this one is off`}). `
          + 'The kubelet rotates the projected token: read the file again for every call.' };
      }
      return { text: 'The service-account token has expired: read the projected token file again (the kubelet rotates it).' };
    }
    case 'AccessDeniedException':
      return { text: `Authenticated, but refused: there is no EKS Pod Identity association for ${who} in cluster ${cluster}, `
        + `or its role's trust policy does not let pods.eks.amazonaws.com call sts:AssumeRole and sts:TagSession, `
        + 'or the caller (the node role) lacks eks-auth:AssumeRoleForPodIdentity. '
        + `Check: aws eks list-pod-identity-associations --cluster-name ${ctx.clusterName || '<cluster>'}${claims?.namespace ? ` --namespace ${claims.namespace}` : ''}.` };
    case 'InvalidSignatureException': {
      if (ctx.skewMs !== undefined && ctx.skewMs !== null) {
        const ahead = ctx.skewMs < 0;
        const suggested = Math.round((ctx.clockOffsetSeconds ?? 0) + ctx.skewMs / 1000);
        return {
          text: `Clock skew: this page signed the request at ${new Date(nowMs).toISOString()}, the server's clock reads ${new Date(nowMs + ctx.skewMs).toISOString()} — `
            + `the signing clock is ${formatDuration(ctx.skewMs)} ${ahead ? 'ahead' : 'behind'} (SigV4 allows 5 min). `
            + `Set the clock offset to ${suggested} s to match the server, and fix the host's clock (NTP) for real clients.`,
          suggestedOffsetSeconds: suggested,
        };
      }
      return { text: `The signature does not match: the secret access key does not belong to access key ID ${ctx.accessKeyId || '(none)'}, `
        + 'or the key and session token come from different sessions, or something between rewrote the request. '
        + 'Compare the canonical request the server computed (in the message) with the one built here.' };
    }
    case 'ResourceNotFoundException':
      return { text: `No cluster named ${cluster} in region ${ctx.region || '(none)'} for the caller's account. Names are case-sensitive; `
        + `check: aws eks describe-cluster --name ${ctx.clusterName || '<cluster>'} --region ${ctx.region || '<region>'}. The caller must be in the cluster's account.` };
    case 'UnrecognizedClientException': {
      const temporary = ctx.accessKeyId?.startsWith('ASIA') && !ctx.hasSessionToken ? ' This is a temporary key (ASIA…) and no session token was given.' : '';
      return { text: `AWS does not know the access key ID ${ctx.accessKeyId || '(none)'}: a typo, a deleted key, a key from another partition, `
        + `or a temporary key without its session token.${temporary}` };
    }
    case 'MissingAuthenticationTokenException':
      return { text: 'The request was not signed: give caller credentials (the node\'s).' };
    case 'ThrottlingException':
      return { text: 'EKS Auth is throttling (retryable: the agent and SDKs retry with backoff). Bursts of pods starting on a node hit its rate; the agent caches per token.' };
    case 'InternalServerException':
    case 'ServiceUnavailableException':
      return { text: 'A server-side fault (retryable): try again. If it persists, check the AWS Health Dashboard for EKS in this region.' };
    case 'InvalidParameterException':
    case 'InvalidRequestException':
      return { text: 'The service rejected a request member: check the cluster name, the token\'s format and the optional members (node name, instance ID, zone).' };
    case 'InvalidInput':
      return { text: 'Fix the highlighted field: nothing was sent.' };
    case 'InvalidConfiguration':
      if (/proxy forwards only/.test(error.message ?? '')) {
        return { text: 'A page cannot call EKS Auth directly (no CORS), so requests go through this console\'s proxy, and it forwards to the one endpoint '
          + 'it was started with — never to an address from the page. The signature covers the host, so the request must be built for that endpoint.' };
      }
      return { text: /FIPS/.test(error.message ?? '')
        ? 'A custom endpoint and FIPS cannot be combined: clear one of them.'
        : 'Give a region (or a custom endpoint).' };
    case 'NetworkError':
    case 'TimeoutError':
      return { text: `The console's proxy could not get an answer from ${ctx.proxyTarget ?? 'the configured endpoint'}: is it running and reachable from this machine?` };
    case 'MalformedResponse':
      return { text: 'The endpoint answered something that is not an EKS Auth response: a wrong endpoint URL, or a proxy or captive portal in between.' };
    default:
      if (/^\d{3}$/.test(error.code)) {
        return { text: 'The answer names no AWS error type: something in between (a load balancer or proxy) answered, not EKS Auth.' };
      }
      return undefined;
  }
}
