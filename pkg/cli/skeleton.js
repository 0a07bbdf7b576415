/**
 * `--generate-cli-skeleton [input|yaml-input|output]` as the AWS CLI v2 prints it
 * (awscli/customizations/generatecliskeleton.py), for the v2 model (botocore 1.44.8): the request
 * members `clusterName`, `token`, `eksNodeName`, `instanceId`, `zone` and the output member
 * `workloadIdentityProviderArn`, which older models (AWS CLI v1's) lack.
 */
import { formatData, NaiveTimestamp } from './format.js';
import { parameters } from './help.js';

/** `--generate-cli-skeleton` choices, in v2's order; no value means `input`. */
export const SKELETON_CHOICES = ['input', 'output', 'yaml-input'];

/**
 * The sample response v2 feeds through its normal output path for `output`: botocore's
 * ArgumentGenerator with member names, so each string is its own name and the timestamp is a
 * naive `datetime(1970, 1, 1)` (the stub skips the CLI's timestamp parser).
 */
export function sampleOutput() {
  return {
    subject: { namespace: 'namespace', serviceAccount: 'serviceAccount' },
    audience: 'audience',
    podIdentityAssociation: { associationArn: 'associationArn', associationId: 'associationId' },
    assumedRoleUser: { arn: 'arn', assumeRoleId: 'assumeRoleId' },
    credentials: {
      sessionToken: 'sessionToken',
      secretAccessKey: 'secretAccessKey',
      accessKeyId: 'accessKeyId',
      expiration: new NaiveTimestamp('1970-01-01T00:00:00'),
    },
    workloadIdentityProviderArn: 'workloadIdentityProviderArn',
  };
}

/**
 * The stdout text of `--generate-cli-skeleton <kind>`.
 * @param {'input'|'yaml-input'|'output'} [kind]
 * @param {object} [options] for `output` only: the output options of `formatOutput` (`output`,
 *   `query`, `color`, `isTTY`, `terminalWidth`), since v2 prints the sample through them
 * @returns {string}
 */
export function generateSkeleton(kind = 'input', options = {}) {
  switch (kind) {
    case 'input': {
      // json.dump(indent=4) of '' per member, in model order.
      const lines = parameters.map((p) => `    "${p.name}": ""`);
      return `{\n${lines.join(',\n')}\n}\n`;
    }
    case 'yaml-input':
      // ruamel.yaml round-trip dump with an end-of-line comment per member ("[REQUIRED]" and the
      // first sentence of its documentation). ruamel puts the first comment at column 0 of its own
      // reckoning, which shows as two spaces before `#`; later ones line up at one space.
      return parameters
        .map((p, i) => `${p.name}: ''${i === 0 ? '  ' : ' '}# ${p.required ? '[REQUIRED] ' : ''}${p.description}\n`)
        .join('');
    case 'output':
      return formatData(sampleOutput(), options);
    default:
      throw new Error(`Unknown skeleton kind: ${kind}`);
  }
}
