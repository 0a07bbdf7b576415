// What an error answer means for EKS Pod Identity and what to do about it, one entry per error
// EKS Auth models and per error the AWS front end answers before it (see the facts file). Pure
// functions of the error the core parsed and what the page knows (the token's inspection, the
// inputs, the clock); no DOM, so Node tests call them too. Never quotes a secret.
import { bothZones, formatDuration, isoUtc, relative } from './format.js';

/** The permission the node role needs, and the managed policy that grants it. */
const PERMISSION = 'eks-auth:AssumeRoleForPodIdentity';
const NODE_POLICY = 'AmazonEKSWorkerNodePolicy';

const issuerRegion = (issuer) => /^https:\/\/oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/id\//.exec(issuer ?? '')?.[1];

function whoFor(inspection) {
  return inspection?.namespace && inspection?.serviceAccount
    ? `service account ${inspection.namespace}/${inspection.serviceAccount}`
    : 'the token\'s service account';
}

/** The failing checks of the token inspection, as `name: detail` sentences. */
function failingChecks(inspection) {
  return (inspection?.checks ?? []).filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.detail}`);
}

/**
 * What an error means and what to do.
 * @param {{ code: string, message?: string, status?: number }} error as the core parsed it
 * @param {{ inspection?: object, now: number, skewMs?: number | null, clusterName?: string,
 *   region?: string, accessKeyId?: string, hasSessionToken?: boolean, proxyTarget?: string }} ctx
 *   `inspection`: `inspectToken` of the Token field at the clock used; `now`: the clock used (ms).
 * @returns {{ meaning: string, action: string, suggestedTime?: number }}
 */
export function explainError(error, ctx) {
  const { inspection, now } = ctx;
  const cluster = ctx.clusterName ? `'${ctx.clusterName}'` : 'the cluster';
  const region = ctx.region || '(no region)';
  const message = error.message ?? '';
  switch (error.code) {
    case 'AccessDeniedException': {
      const caller = /User: (arn:\S+?)(?: is not authorized|$)/.exec(message)?.[1];
      return {
        meaning: 'EKS Auth authenticated the caller (the node\'s IAM role) and refused the exchange: the caller may not assume a role for this pod.',
        action: `The node role${caller ? ` (${caller})` : ''} lacks ${PERMISSION}: attach ${NODE_POLICY}, or a policy allowing ${PERMISSION}, to the node's IAM role. `
          + `If it has the permission, check that ${whoFor(inspection)} has an EKS Pod Identity association in cluster ${cluster}: `
          + `aws eks list-pod-identity-associations --cluster-name ${ctx.clusterName || '<cluster>'}${inspection?.namespace ? ` --namespace ${inspection.namespace}` : ''} --region ${ctx.region || '<region>'}.`,
      };
    }
    case 'ExpiredTokenException': {
      if (error.status === 403) {
        return {
          meaning: 'The AWS front end refused the caller\'s own credentials: their session token has expired. This is not about the pod\'s token.',
          action: 'Refresh the caller credentials (the node role\'s temporary key and session token) and sign again.',
        };
      }
      const meaning = 'EKS Auth says the pod\'s service-account token has expired (its exp claim is in the past).';
      const exp = inspection?.expiresAt;
      if (exp === undefined) {
        return { meaning, action: 'Paste the token that was sent into the Token field to compare its exp with the clock. The kubelet rotates the projected token: read the file again for every call.' };
      }
      const expMs = exp * 1000;
      return {
        meaning,
        action: expMs <= now
          ? `The token expired ${relative(expMs, now)} (its exp is ${bothZones(expMs)}; the clock used is ${isoUtc(now)}). `
            + 'The kubelet rotates the projected token well before exp: read /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token again for every call; a token copied out of a pod goes stale.'
          : `By the clock used (${isoUtc(now)}) the token expires ${relative(expMs, now)} (its exp is ${bothZones(expMs)}), `
            + 'so EKS Auth\'s clock and the clock used here disagree, or the token sent was another one. Check the host clock (NTP) and the time field.',
      };
    }
    case 'InvalidTokenException': {
      const fails = failingChecks(inspection);
      return {
        meaning: 'EKS Auth refused the service-account token itself: its format, signature, issuer, audience or pod binding.',
        action: fails.length
          ? `The token in the Token field fails here already — ${fails.join('; ')}.`
          : inspection
            ? `On its face the token passes every check here, so its signature or issuer is what EKS Auth refused: it must be issued by this cluster's OIDC issuer (its iss: ${inspection.issuer ?? 'none'}); `
              + 'a token from another cluster, or signed by a key the cluster no longer trusts, fails. Use the token the kubelet projects for EKS Pod Identity in this cluster.'
            : 'Paste the token that was sent into the Token field to see which check it fails.',
      };
    }
    case 'ResourceNotFoundException': {
      const tokenRegion = issuerRegion(inspection?.issuer);
      return {
        meaning: 'EKS Auth found no cluster by that name where the request went.',
        action: `No cluster ${cluster} in region ${region} for the caller's account. Cluster names are case-sensitive, EKS Auth must be called in the cluster's region`
          + `${tokenRegion && tokenRegion !== ctx.region ? ` (the token's issuer is in ${tokenRegion}, not ${region})` : ''}, and the caller must be in the cluster's account. `
          + `Check: aws eks describe-cluster --name ${ctx.clusterName || '<cluster>'} --region ${ctx.region || '<region>'}.`,
      };
    }
    case 'InvalidParameterException':
      return {
        meaning: 'EKS Auth refused a request member: the cluster name, the token or an optional member (eksNodeName, instanceId, zone).',
        action: `The message says which. The cluster name must be 1–100 letters, digits, '-' or '_' starting with a letter or digit (here: ${cluster}); zone is an AZ ID such as usw2-az1, not a zone name. Not retryable as is.`,
      };
    case 'InvalidRequestException':
      return {
        meaning: 'EKS Auth refused the request as a whole (retryable by the agent, but it usually needs a change).',
        action: 'Read the message; check the request is the one built here (content-type application/json, the body {"token": ...}) and that nothing in between altered it.',
      };
    case 'ThrottlingException':
      return {
        meaning: 'EKS Auth is limiting the rate of requests (retryable).',
        action: 'Retry with backoff: the agent and SDKs do. Bursts of pods starting at once on a node cause it; the agent caches credentials per token, so a sidecar per pod or a restart loop multiplies calls. If it persists, ask for a higher quota.',
      };
    case 'InternalServerException':
      return {
        meaning: 'A fault inside EKS Auth (retryable).',
        action: 'Retry with backoff. If it persists, check the AWS Health Dashboard for EKS in this region and quote the request ID to AWS Support.',
      };
    case 'ServiceUnavailableException':
      return {
        meaning: 'EKS Auth is temporarily unavailable (retryable).',
        action: 'Retry with backoff. If it persists, check the AWS Health Dashboard for EKS in this region.',
      };
    case 'InvalidSignatureException': {
      if (ctx.skewMs !== undefined && ctx.skewMs !== null) {
        const ahead = ctx.skewMs < 0;
        return {
          meaning: 'AWS refused the signature as expired: the clock used to sign and AWS\'s clock differ by more than the 5 minutes SigV4 allows.',
          action: `The clock used (${isoUtc(now)}) is ${formatDuration(ctx.skewMs)} ${ahead ? 'ahead of' : 'behind'} the server's (${isoUtc(now + ctx.skewMs)}). `
            + 'Fix the host\'s clock (NTP) for real clients; here, sign with the server\'s time.',
          suggestedTime: now + ctx.skewMs,
        };
      }
      return {
        meaning: 'The signature does not match the one AWS computed for the request it received.',
        action: `Either the secret access key does not belong to access key ID ${ctx.accessKeyId || '(none)'} (or the session token to another session), or the request changed on the way. `
          + 'The message carries the canonical request AWS computed: compare it with ours under Signature mismatch — identical means the key is wrong.',
      };
    }
    case 'UnrecognizedClientException': {
      const temporary = ctx.accessKeyId?.startsWith('ASIA') && !ctx.hasSessionToken ? ' It is a temporary key (ASIA…) and no session token was given.' : '';
      return {
        meaning: 'AWS does not know the caller\'s access key ID (or its session token).',
        action: `Access key ID ${ctx.accessKeyId || '(none)'}: a typo, a deleted or deactivated key, a key from another partition, or a temporary key without its session token.${temporary}`,
      };
    }
    case 'MissingAuthenticationTokenException':
      return {
        meaning: 'The request reached AWS unsigned (or at a path the service does not serve).',
        action: 'Give caller credentials (the node\'s) so the request is signed, and keep the endpoint\'s path as built.',
      };
    case 'IncompleteSignatureException':
      return {
        meaning: 'The Authorization header is malformed or misses a part AWS needs.',
        action: 'Send the headers exactly as signed: authorization, x-amz-date and, with temporary credentials, x-amz-security-token.',
      };
    case 'NetworkError':
    case 'TimeoutError':
      return {
        meaning: error.code === 'TimeoutError'
          ? `This console's server sent the request to ${ctx.proxyTarget ?? 'the endpoint'}, which did not answer in time.`
          : `This console's server could not reach ${ctx.proxyTarget ?? 'the endpoint'}: the request never got there.`,
        action: 'Check that the endpoint is running and reachable from this machine: its address and port, DNS, a firewall, an HTTP proxy.',
      };
    case 'MalformedResponse':
      return {
        meaning: 'This is not a response EKS Auth sends: it does not fit the AssumeRoleForPodIdentity response format.',
        action: 'If you pasted it, check it was copied whole. Otherwise check the endpoint URL: a wrong host, a proxy or a captive portal in between answers with something else.',
      };
    default:
      if (/^\d{3}$/.test(error.code)) {
        return {
          meaning: 'Something in between (a load balancer, proxy or captive portal) answered, not EKS Auth: AWS names the error type in every error it sends.',
          action: 'Check the endpoint URL and any proxy between this machine and AWS; 502, 503 and 504 are retried by the SDKs.',
        };
      }
      return {
        meaning: `${error.code} is not an error EKS Auth models.`,
        action: 'Read the message: an AWS front end or something in between answered.',
      };
  }
}
