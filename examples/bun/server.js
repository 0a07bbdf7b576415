// Bun: the EKS Pod Identity Agent's contract on loopback. An AWS SDK with
// AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:2706/v1/credentials and
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE sends its service-account token; this exchanges it with EKS
// Auth (AssumeRoleForPodIdentity) through EksAuthClient and Bun's fetch, and answers with the
// container-credentials JSON, or the agent's error status and body.
//
//   bun add eks-auth-wasm
//   EKS_AUTH_REGION=us-west-2 EKS_AUTH_CLUSTER_NAME=my-cluster AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \
//     bun server.js
//
// Settings (environment): EKS_AUTH_REGION, EKS_AUTH_CLUSTER_NAME, optional EKS_AUTH_ENDPOINT and PORT
// (2706; 0 = any free port); caller credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional
// AWS_SESSION_TOKEN. Nothing here logs the token or a secret.
import {
  EksAuthClient, EksAuthError, agentErrorResponse, hostAllowed, init, parseToken, toContainerCredentials,
} from 'eks-auth-wasm';

await init(); // a no-op in Bun: the wasm is loaded at import

const setting = (name) => {
  const value = Bun.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const HOSTS = ['127.0.0.1', 'localhost'];
const clusterName = setting('EKS_AUTH_CLUSTER_NAME');
const client = new EksAuthClient({
  region: setting('EKS_AUTH_REGION'),
  endpoint: Bun.env.EKS_AUTH_ENDPOINT || undefined,
  credentials: {
    accessKeyId: setting('AWS_ACCESS_KEY_ID'),
    secretAccessKey: setting('AWS_SECRET_ACCESS_KEY'),
    sessionToken: Bun.env.AWS_SESSION_TOKEN || undefined,
  },
});

async function handle(request) {
  // DNS rebinding: only the names this server is reached by.
  if (!hostAllowed(request.headers.get('host') ?? '', HOSTS)) return text(403, 'forbidden');
  if (new URL(request.url).pathname !== '/v1/credentials') return text(404, '404 page not found');
  try {
    const token = request.headers.get('authorization') ?? '';
    parseToken(token); // the agent's 400 for what is not a JWT, before any call
    const result = await client.assumeRoleForPodIdentity({ clusterName, token });
    return new Response(JSON.stringify(toContainerCredentials(result)), {
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  } catch (error) {
    const failure = error instanceof EksAuthError ? error : new EksAuthError('internal error', { code: 'InternalError', fault: 'server' });
    const { status, body } = agentErrorResponse(failure);
    return text(status, body);
  }
}

const text = (status, body) =>
  new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(Bun.env.PORT ?? 2706), fetch: handle });
console.log(`listening on ${new URL('/v1/credentials', server.url)}`);
