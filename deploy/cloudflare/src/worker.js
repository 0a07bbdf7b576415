// The EKS Pod Identity Agent's contract at the edge: a client sends its service-account token in the
// Authorization header to /v1/credentials and gets the container-credentials JSON AWS SDKs read
// (AWS_CONTAINER_CREDENTIALS_FULL_URI), or the agent's error answer with the agent's status.
//
// Configuration (wrangler.toml): vars EKS_AUTH_REGION, EKS_AUTH_CLUSTER_NAME, optional
// EKS_AUTH_ENDPOINT and EKS_AUTH_MAX_ATTEMPTS; secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// optional AWS_SESSION_TOKEN, the caller credentials that sign AssumeRoleForPodIdentity.
// Nothing here logs or echoes the token or a secret.
import { EksAuthClient, EksAuthError, agentErrorResponse, parseToken, toContainerCredentials } from 'eks-auth-wasm';

const CREDENTIALS_PATH = '/v1/credentials';

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== CREDENTIALS_PATH) return textResponse(404, '404 page not found');
    try {
      const config = configFrom(env);
      const token = request.headers.get('authorization') ?? '';
      parseToken(token); // the agent's 400 for what is not a JWT, before any call to EKS Auth
      // One client per request: env is per request in module workers, and a client costs nothing to make.
      const client = new EksAuthClient({
        region: config.region,
        endpoint: config.endpoint,
        credentials: config.credentials,
        maxAttempts: config.maxAttempts,
      });
      const result = await client.assumeRoleForPodIdentity({ clusterName: config.clusterName, token });
      return new Response(JSON.stringify(toContainerCredentials(result)), {
        status: 200,
        // Credentials: never to be kept by a cache between here and the SDK.
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    } catch (error) {
      const failure = error instanceof EksAuthError
        ? error
        : new EksAuthError('internal error', { code: 'InternalError', retryable: true, fault: 'server' });
      // Codes and ids only: messages can quote the request.
      console.warn(JSON.stringify({
        msg: 'credentials request failed', code: failure.code, status: failure.status, requestId: failure.requestId,
      }));
      const { status, body } = agentErrorResponse(failure);
      return textResponse(status, body);
    }
  },
};

/**
 * The bindings as client settings. A missing one is the deployment's fault, not the caller's: 500
 * InvalidConfiguration naming the binding, and no unsigned request to EKS Auth.
 */
function configFrom(env) {
  const missing = ['EKS_AUTH_REGION', 'EKS_AUTH_CLUSTER_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
    .filter((name) => !env[name]);
  if (missing.length > 0) throw configurationError(`missing binding(s): ${missing.join(', ')}`);
  const maxAttempts = env.EKS_AUTH_MAX_ATTEMPTS ? Number(env.EKS_AUTH_MAX_ATTEMPTS) : 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw configurationError('EKS_AUTH_MAX_ATTEMPTS must be an integer of 1 or more');
  }
  return {
    region: env.EKS_AUTH_REGION,
    clusterName: env.EKS_AUTH_CLUSTER_NAME,
    endpoint: env.EKS_AUTH_ENDPOINT || undefined,
    maxAttempts,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
    },
  };
}

const configurationError = (message) =>
  new EksAuthError(`invalid worker configuration: ${message}`, { code: 'InvalidConfiguration', status: 500, fault: 'server' });

/** Plain text with a trailing newline, as the agent (Go's http.Error) answers errors. */
function textResponse(status, text) {
  return new Response(`${text}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' },
  });
}
