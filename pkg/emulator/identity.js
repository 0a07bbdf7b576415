/**
 * Pod identity associations and the fake credentials the emulator hands out for them.
 *
 * Everything here imitates the shape of real AWS identifiers (so clients' parsers and validators
 * are exercised) while being random and useless against real AWS.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Credential lifetime EKS Auth grants for an association's role. */
export const CREDENTIALS_LIFETIME_SECONDS = 6 * 60 * 60;
/** Credential lifetime when a target (cross-account) role is chained: STS caps chained sessions. */
export const CHAINED_CREDENTIALS_LIFETIME_SECONDS = 59 * 60;

const CLUSTER_NAME_PATTERN = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;
const ROLE_ARN_PATTERN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const ASSOCIATION_ID_PATTERN = /^a-[a-z0-9]{17}$/;
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Partition of a region, by the regexes of the AWS partitions file (unknown regions: `aws`). */
const PARTITIONS = [
  ['aws-us-gov', /^us-gov-\w+-\d+$/],
  ['aws-iso-b', /^us-isob-\w+-\d+$/],
  ['aws-iso-f', /^us-isof-\w+-\d+$/],
  ['aws-iso', /^us-iso-\w+-\d+$/],
  ['aws-iso-e', /^eu-isoe-\w+-\d+$/],
  ['aws-eusc', /^eusc-(de)-\w+-\d+$/],
  ['aws-cn', /^cn-\w+-\d+$/],
];

export function partitionOf(region) {
  return PARTITIONS.find(([, pattern]) => pattern.test(region))?.[0] ?? 'aws';
}

/**
 * Why a cluster name breaks the model's constraints, in the AWS validation wording, or undefined
 * when it is valid.
 */
export function clusterNameViolation(name) {
  const prefix = `1 validation error detected: Value '${name}' at 'clusterName' failed to satisfy constraint:`;
  if (name.length < 1) return `${prefix} Member must have length greater than or equal to 1`;
  if (name.length > 100) return `${prefix} Member must have length less than or equal to 100`;
  if (!CLUSTER_NAME_PATTERN.test(name)) {
    return `${prefix} Member must satisfy regular expression pattern: [0-9A-Za-z][A-Za-z0-9\\-_]*`;
  }
  return undefined;
}

/**
 * Validates the configured associations and gives each a stable association id.
 * @param {Array<{cluster: string, namespace: string, serviceAccount: string, roleArn: string, targetRoleArn?: string, associationId?: string}>} associations
 * @returns {Map<string, object>} keyed by `cluster/namespace/serviceAccount`
 */
export function indexAssociations(associations) {
  const index = new Map();
  for (const entry of associations) {
    const { cluster, namespace, serviceAccount, roleArn, targetRoleArn } = entry ?? {};
    for (const [name, value] of Object.entries({ cluster, namespace, serviceAccount })) {
      if (typeof value !== 'string' || value === '') {
        throw new TypeError(`association ${name} must be a non-empty string`);
      }
    }
    const violation = clusterNameViolation(cluster);
    if (violation) throw new TypeError(`association cluster '${cluster}' is invalid: ${violation}`);
    for (const [name, arn] of Object.entries({ roleArn, targetRoleArn })) {
      if (name === 'targetRoleArn' && arn === undefined) continue;
      if (typeof arn !== 'string' || !ROLE_ARN_PATTERN.test(arn)) {
        throw new TypeError(`association ${name} '${arn}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
      }
    }
    const associationId = entry.associationId ?? randomString(LOWER_ALNUM, 17, 'a-');
    if (!ASSOCIATION_ID_PATTERN.test(associationId)) {
      throw new TypeError(`associationId '${associationId}' must match a-<17 lowercase letters or digits>`);
    }
    const key = associationKey(cluster, namespace, serviceAccount);
    if (index.has(key)) throw new TypeError(`duplicate association for ${key}`);
    index.set(key, { cluster, namespace, serviceAccount, roleArn, targetRoleArn, associationId });
  }
  return index;
}

export function associationKey(cluster, namespace, serviceAccount) {
  return `${cluster}/${namespace}/${serviceAccount}`;
}

/**
 * The AssumeRoleForPodIdentity response body, members in wire order
 * (`workloadIdentityProviderArn` omitted, as for a plain association). `lifetimeSeconds` replaces
 * EKS Auth's (6 h, 59 min chained) for tests of expiry.
 */
export function buildAssumeRoleResponse({ association, subject, podName, region, accountId, nowMillis, lifetimeSeconds }) {
  const roleArn = association.targetRoleArn ?? association.roleArn;
  const [, partition, roleAccount, roleName] = ROLE_ARN_PATTERN.exec(roleArn);
  const clusterAccount = accountId ?? ROLE_ARN_PATTERN.exec(association.roleArn)[2];
  // STS caps role session names at 64 characters.
  const sessionName = `eks-${association.cluster}-${podName}-${randomUUID()}`.slice(0, 64);
  const lifetime = lifetimeSeconds ?? (association.targetRoleArn ? CHAINED_CREDENTIALS_LIFETIME_SECONDS : CREDENTIALS_LIFETIME_SECONDS);
  return {
    subject: { namespace: subject.namespace, serviceAccount: subject.serviceAccount },
    audience: 'pods.eks.amazonaws.com',
    podIdentityAssociation: {
      associationArn: `arn:${partitionOf(region)}:eks:${region}:${clusterAccount}:podidentityassociation/${association.cluster}/${association.associationId}`,
      associationId: association.associationId,
    },
    assumedRoleUser: {
      arn: `arn:${partition}:sts::${roleAccount}:assumed-role/${roleName}/${sessionName}`,
      assumeRoleId: `${roleIdOf(roleArn)}:${sessionName}`,
    },
    credentials: newCredentials(Math.floor(nowMillis / 1000) + lifetime),
  };
}

/** Fresh random temporary credentials, shaped like STS's (ASIA key id, 40-char secret). */
export function newCredentials(expiration) {
  return {
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(480).toString('base64')}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    accessKeyId: randomString(BASE32, 16, 'ASIA'),
    expiration,
  };
}

/** IAM's unique role id (AROA + 17 characters), derived from the ARN so it is stable per role. */
function roleIdOf(roleArn) {
  const digest = createHash('sha256').update(roleArn).digest();
  let id = 'AROA';
  for (let i = 0; i < 17; i += 1) id += BASE32[digest[i] % BASE32.length];
  return id;
}

function randomString(alphabet, length, prefix = '') {
  let text = prefix;
  for (let i = 0; i < length; i += 1) text += alphabet[randomInt(alphabet.length)];
  return text;
}
