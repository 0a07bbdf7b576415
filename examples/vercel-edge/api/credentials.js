// A Vercel Edge Function (api/credentials.js): the EKS Pod Identity Agent's contract at the edge. A
// client sends its service-account token in the Authorization header and gets the
// container-credentials JSON AWS SDKs read, or the agent's error status and body.
//
// The Edge Runtime refuses to compile WebAssembly from bytes: the wasm arrives as a module compiled
// ahead by the platform (`?module`) and is handed to init().
//
// Environment variables (project settings): EKS_AUTH_REGION, EKS_AUTH_CLUSTER_NAME, optional
// EKS_AUTH_ENDPOINT; caller credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional
// AWS_SESSION_TOKEN (sensitive). Nothing here logs the token or a secret.
import wasm from 'eks-auth-wasm/eks-auth.wasm?module';
import {
  EksAuthClient, EksAuthError, agentErrorResponse, init, parseToken, toContainerCredentials,
} from 'eks-auth-wasm';

export const config = { runtime: 'edge' };

export default async function handler(request) {
  try {
    await init(wasm);
    const env = process.env;
    const missing = ['EKS_AUTH_REGION', 'EKS_AUTH_CLUSTER_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].filter((name) => !env[name]);
    if (missing.length > 0) {
      throw new EksAuthError(`missing environment variable(s): ${missing.join(', ')}`, { code: 'InvalidConfiguration', status: 500, fault: 'server' });
    }
    const token = request.headers.get('authorization') ?? '';
    parseToken(token); // the agent's 400 for what is not a JWT, before any call
    const client = new EksAuthClient({
      region: env.EKS_AUTH_REGION,
      endpoint: env.EKS_AUTH_ENDPOINT || undefined,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN || undefined,
      },
    });
    const result = await client.assumeRoleForPodIdentity({ clusterName: env.EKS_AUTH_CLUSTER_NAME, token });
    return new Response(JSON.stringify(toContainerCredentials(result)), {
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  } catch (error) {
    const failure = error instanceof EksAuthError ? error : new EksAuthError('internal error', { code: 'InternalError', fault: 'server' });
    const { status, body } = agentErrorResponse(failure);
    return new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
  }
}
