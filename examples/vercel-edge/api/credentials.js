// A Vercel Edge Function (api/credentials.js): the EKS Pod Identity Agent's credentials endpoint at
// the edge, through the package's host-neutral handler (`eks-auth-wasm/handler`, the one the Node
// sidecar serves). A client sends its service-account token in the Authorization header to
// https://<deployment>/api/credentials and gets the container-credentials JSON AWS SDKs read, or the
// agent's error status and body.
//
// The Edge Runtime refuses to compile WebAssembly from bytes: the wasm arrives as a module compiled
// ahead by the platform (`?module`) and is handed to init().
//
// Environment variables (project settings): EKS_AUTH_REGION, EKS_AUTH_CLUSTER_NAME, optional
// EKS_AUTH_ENDPOINT, EKS_AUTH_ANSWER_WITHIN_MS (default 900; 0 = wait) and EKS_AUTH_HOSTS (the
// hostnames served, comma-separated; unset: the hostname each request came in on, which Vercel
// routes here only for this project's domains); caller credentials AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN (sensitive). Nothing here logs the token or a
// secret.
import wasm from 'eks-auth-wasm/eks-auth.wasm?module';
import { EksAuthClient, EksAuthError, init } from 'eks-auth-wasm';
import { CREDENTIALS_PATH, createSidecarHandler, fetchHandler } from 'eks-auth-wasm/handler';

export const config = { runtime: 'edge' };

/** This function's route, which stands for the agent's path. */
const ROUTE = '/api/credentials';
/** Handlers of this isolate by settings (one per hostname served when EKS_AUTH_HOSTS is unset). */
const handlers = new Map();
const MAX_HANDLERS = 8;
const logger = Object.assign((record) => console.log(JSON.stringify(record)), { level: 'info' });

export default async function credentials(request, context) {
  await init(wasm);
  const url = new URL(request.url);
  if (url.pathname === ROUTE) url.pathname = CREDENTIALS_PATH;
  const { handler, serve } = handlerFor(process.env, url.hostname);
  // The handler reads the hostname Vercel routed by, the URL's.
  const headers = { get: (name) => (name === 'host' ? url.host : request.headers.get(name)) };
  const response = serve({ method: request.method, url: url.href, headers });
  // An exchange this request started (its own, or a renewal) runs to its end after the response.
  // Timers run only during requests here: renewals happen when a request arrives past the
  // renewal point.
  if (handler.inflightCount > 0) context?.waitUntil?.(handler.idle());
  return response;
}

function handlerFor(env, hostname) {
  const missing = ['EKS_AUTH_REGION', 'EKS_AUTH_CLUSTER_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].filter((name) => !env[name]);
  const hosts = (env.EKS_AUTH_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const key = hosts.length > 0 ? '' : hostname;
  let entry = handlers.get(key);
  if (entry === undefined) {
    if (handlers.size >= MAX_HANDLERS) {
      const [oldest, old] = handlers.entries().next().value;
      handlers.delete(oldest);
      void old.handler.close();
    }
    const handler = createSidecarHandler({
      client: missing.length > 0 ? unconfigured(missing) : new EksAuthClient({
        region: env.EKS_AUTH_REGION,
        endpoint: env.EKS_AUTH_ENDPOINT || undefined,
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          sessionToken: env.AWS_SESSION_TOKEN || undefined,
        },
      }),
      clusterName: env.EKS_AUTH_CLUSTER_NAME || 'unconfigured',
      hosts: hosts.length > 0 ? hosts : [hostname],
      answerWithinMs: env.EKS_AUTH_ANSWER_WITHIN_MS ? Number(env.EKS_AUTH_ANSWER_WITHIN_MS) : undefined,
      logger,
    });
    entry = { handler, serve: fetchHandler(handler) };
    handlers.set(key, entry);
  }
  return entry;
}

/** A deployment missing a variable: each exchange fails with 500 InvalidConfiguration naming it,
 * with no unsigned request to EKS Auth. */
function unconfigured(missing) {
  const error = new EksAuthError(`missing environment variable(s): ${missing.join(', ')}`, {
    code: 'InvalidConfiguration', status: 500, fault: 'server',
  });
  return { assumeRoleForPodIdentity: async () => { throw error; } };
}
