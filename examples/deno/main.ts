// Deno: the EKS Pod Identity Agent's credentials endpoint on loopback, through the package's
// host-neutral handler (`eks-auth-wasm/handler`, the one the Node sidecar serves). An AWS SDK with
// AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:2706/v1/credentials and
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE sends its service-account token; the handler checks it,
// exchanges it with EKS Auth (AssumeRoleForPodIdentity) through EksAuthClient and Deno's fetch, caches
// and renews the credentials in the background, and answers as the agent does.
//
//   deno add npm:eks-auth-wasm        # or npm install eks-auth-wasm next to a package.json
//   EKS_AUTH_REGION=us-west-2 EKS_AUTH_CLUSTER_NAME=my-cluster AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \
//     deno run --allow-net --allow-env --allow-read main.ts
//
// Settings (environment): EKS_AUTH_REGION, EKS_AUTH_CLUSTER_NAME, optional EKS_AUTH_ENDPOINT,
// EKS_AUTH_ANSWER_WITHIN_MS (the sidecar's --answer-within-ms, default 900; 0 = wait) and PORT (2706;
// 0 = any free port); caller credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional
// AWS_SESSION_TOKEN. Warnings go to stderr as JSON lines; nothing logs the token or a secret.
import { EksAuthClient, init } from 'eks-auth-wasm';
import { createSidecarHandler, fetchHandler, type LogRecord } from 'eks-auth-wasm/handler';

await init(); // Deno loads the wasm from the file beside the package's entry (read permission)

const setting = (name: string): string => {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const answerWithin = Deno.env.get('EKS_AUTH_ANSWER_WITHIN_MS');

const handler = createSidecarHandler({
  client: new EksAuthClient({
    region: setting('EKS_AUTH_REGION'),
    endpoint: Deno.env.get('EKS_AUTH_ENDPOINT') || undefined,
    credentials: {
      accessKeyId: setting('AWS_ACCESS_KEY_ID'),
      secretAccessKey: setting('AWS_SECRET_ACCESS_KEY'),
      sessionToken: Deno.env.get('AWS_SESSION_TOKEN') || undefined,
    },
  }),
  clusterName: setting('EKS_AUTH_CLUSTER_NAME'),
  // DNS rebinding: only the names this server is reached by.
  hosts: ['127.0.0.1', 'localhost'],
  answerWithinMs: answerWithin ? Number(answerWithin) : undefined,
  logger: Object.assign((record: LogRecord) => console.error(JSON.stringify(record)), { level: 'warn' as const }),
});

Deno.serve({
  hostname: '127.0.0.1',
  port: Number(Deno.env.get('PORT') ?? 2706),
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/v1/credentials`),
}, fetchHandler(handler));
