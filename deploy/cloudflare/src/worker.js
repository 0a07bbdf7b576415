// The EKS Pod Identity Agent's credentials endpoint at the edge: the package's host-neutral handler
// (`eks-auth-wasm/handler`, the one the Node sidecar serves) behind workerd's fetch. It answers as
// the agent does: `/v1/credentials` with the token in `Authorization`, the `Host` check, the token's
// `exp`/`nbf` checked before any call, credentials cached per token and replayed, EKS Auth's errors
// passed through. Every answer is `no-store`.
//
// Configuration (wrangler.toml): vars EKS_AUTH_REGION, EKS_AUTH_CLUSTER_NAME, optional
// EKS_AUTH_ENDPOINT, EKS_AUTH_MAX_ATTEMPTS, EKS_AUTH_ANSWER_WITHIN_MS and EKS_AUTH_HOSTS; secrets
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN, the caller credentials
// that sign AssumeRoleForPodIdentity. Nothing here logs or echoes the token or a secret.
import { EksAuthClient, EksAuthError } from 'eks-auth-wasm';
import { createSidecarHandler, fetchHandler } from 'eks-auth-wasm/handler';

/** The handlers of this isolate, made on the first request (bindings arrive with requests) and kept
 * while the bindings stay the same: one, or one per hostname served when EKS_AUTH_HOSTS is unset. */
let made = { bindings: undefined, handlers: new Map() };
const MAX_HANDLERS = 8;

/** Records at `info` and above, one JSON line each (Workers Logs). They never hold a token. */
const logger = Object.assign((record) => console.log(JSON.stringify(record)), { level: 'info' });

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    const { handler, serve } = handlerFor(env, url.hostname);
    // The request as the handler reads it, its `Host` the URL's: workerd's URL names the hostname
    // the request was routed by (the same as `Host` on Cloudflare, but the local proxy's address
    // under wrangler dev and miniflare).
    const headers = { get: (name) => (name === 'host' ? url.host : request.headers.get(name)) };
    const response = serve({ method: request.method, url: request.url, headers });
    // An exchange this request started (its own, or a renewal the machine ordered) runs to its end
    // after the response: workerd cancels what a finished request left running, and the cache and
    // any request waiting on it must hear how it ended. Timers do not outlive requests either, so
    // renewals happen on requests (the machine renews when one arrives past the renewal point).
    if (handler.inflightCount > 0) ctx.waitUntil(handler.idle());
    return response;
  },
};

function handlerFor(env, hostname) {
  const settings = settingsFrom(env);
  const bindings = JSON.stringify(settings);
  if (bindings !== made.bindings) {
    for (const { handler } of made.handlers.values()) void handler.close();
    made = { bindings, handlers: new Map() };
  }
  const key = settings.hosts === undefined ? hostname : '';
  let entry = made.handlers.get(key);
  if (entry === undefined) {
    if (made.handlers.size >= MAX_HANDLERS) {
      const [oldest, old] = made.handlers.entries().next().value;
      made.handlers.delete(oldest);
      void old.handler.close();
    }
    const handler = createSidecarHandler({
      client: settings.missing ? unconfigured(settings.missing) : new EksAuthClient({
        region: settings.region,
        endpoint: settings.endpoint,
        credentials: settings.credentials,
        maxAttempts: settings.maxAttempts,
      }),
      clusterName: settings.clusterName || 'unconfigured',
      hosts: settings.hosts ?? [hostname],
      answerWithinMs: settings.answerWithinMs,
      logger,
    });
    entry = { handler, serve: fetchHandler(handler) };
    made.handlers.set(key, entry);
  }
  return entry;
}

/**
 * The bindings as handler settings. `hosts`: EKS_AUTH_HOSTS (comma-separated hostnames); unset, each
 * request's own hostname: Cloudflare routes to this Worker only the hostnames of its routes and
 * workers.dev, so a `Host` it was not deployed on never reaches it.
 */
function settingsFrom(env) {
  const problems = ['EKS_AUTH_REGION', 'EKS_AUTH_CLUSTER_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
    .filter((name) => !env[name]);
  const maxAttempts = env.EKS_AUTH_MAX_ATTEMPTS ? Number(env.EKS_AUTH_MAX_ATTEMPTS) : 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) problems.push('EKS_AUTH_MAX_ATTEMPTS (an integer of 1 or more)');
  const answerWithinMs = env.EKS_AUTH_ANSWER_WITHIN_MS ? Number(env.EKS_AUTH_ANSWER_WITHIN_MS) : undefined;
  if (answerWithinMs !== undefined && !(Number.isInteger(answerWithinMs) && answerWithinMs >= 0)) {
    problems.push('EKS_AUTH_ANSWER_WITHIN_MS (an integer of 0 or more)');
  }
  const hosts = (env.EKS_AUTH_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  return {
    missing: problems.length > 0 ? problems.join(', ') : undefined,
    region: env.EKS_AUTH_REGION,
    clusterName: env.EKS_AUTH_CLUSTER_NAME,
    endpoint: env.EKS_AUTH_ENDPOINT || undefined,
    maxAttempts,
    answerWithinMs: problems.length > 0 ? undefined : answerWithinMs,
    hosts: hosts.length > 0 ? hosts : undefined,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
    },
  };
}

/**
 * A deployment missing a binding: the handler still checks path, `Host` and token, and each exchange
 * fails as the deployment's fault (500 InvalidConfiguration naming the binding), with no unsigned
 * request to EKS Auth.
 */
function unconfigured(problems) {
  const error = new EksAuthError(`invalid worker configuration: missing or invalid binding(s): ${problems}`, {
    code: 'InvalidConfiguration', status: 500, fault: 'server',
  });
  return { assumeRoleForPodIdentity: async () => { throw error; } };
}
