// Bun: the EKS Pod Identity Agent's credentials endpoint on loopback, through the package's
// host-neutral handler (`eks-auth-wasm/handler`, the one the Node sidecar serves). An AWS SDK with
// AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:2706/v1/credentials and
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE sends its service-account token; the handler checks it,
// exchanges it with EKS Auth (AssumeRoleForPodIdentity) through EksAuthClient and Bun's fetch, caches
// and renews the credentials in the background, and answers as the agent does.
//
//   bun add eks-auth-wasm
//   EKS_AUTH_REGION=us-west-2 EKS_AUTH_CLUSTER_NAME=my-cluster AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \
//     bun server.js
//
// Settings (environment): EKS_AUTH_REGION, EKS_AUTH_CLUSTER_NAME, optional EKS_AUTH_ENDPOINT,
// EKS_AUTH_ANSWER_WITHIN_MS (the sidecar's --answer-within-ms, default 900; 0 = wait) and PORT (2706;
// 0 = any free port); caller credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional
// AWS_SESSION_TOKEN. Warnings go to stderr as JSON lines; nothing logs the token or a secret.
import { EksAuthClient } from 'eks-auth-wasm';
import { createSidecarHandler, fetchHandler } from 'eks-auth-wasm/handler';

const setting = (name) => {
  const value = Bun.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const handler = createSidecarHandler({
  client: new EksAuthClient({
    region: setting('EKS_AUTH_REGION'),
    endpoint: Bun.env.EKS_AUTH_ENDPOINT || undefined,
    credentials: {
      accessKeyId: setting('AWS_ACCESS_KEY_ID'),
      secretAccessKey: setting('AWS_SECRET_ACCESS_KEY'),
      sessionToken: Bun.env.AWS_SESSION_TOKEN || undefined,
    },
  }),
  clusterName: setting('EKS_AUTH_CLUSTER_NAME'),
  // DNS rebinding: only the names this server is reached by.
  hosts: ['127.0.0.1', 'localhost'],
  answerWithinMs: Bun.env.EKS_AUTH_ANSWER_WITHIN_MS ? Number(Bun.env.EKS_AUTH_ANSWER_WITHIN_MS) : undefined,
  logger: Object.assign((record) => console.error(JSON.stringify(record)), { level: 'warn' }),
});

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(Bun.env.PORT ?? 2706), fetch: fetchHandler(handler) });
console.log(`listening on ${new URL('/v1/credentials', server.url)}`);
