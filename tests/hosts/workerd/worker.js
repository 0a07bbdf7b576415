import { buildAssumeRoleRequest } from '../../../pkg/workerd.js';
export default {
  async fetch() {
    const r = buildAssumeRoleRequest({ region: 'us-east-1', clusterName: 'my-cluster', token: 'a.b.c',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, now: 1700956800000 });
    return new Response(r.headers.authorization);
  },
};
