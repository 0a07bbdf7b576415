/**
 * What `help` / `--help` prints for the command: a plain-text rendering of the AWS CLI v2 page for
 * `aws eks-auth assume-role-for-pod-identity` (NAME, DESCRIPTION, SYNOPSIS, OPTIONS, GLOBAL OPTIONS,
 * OUTPUT). The AWS CLI renders its page through groff with justified lines; this is the same text
 * with plain wrapping, not a byte copy.
 *
 * Texts come from the reference page (shared/reference) and, for the request members the page
 * predates (`eksNodeName`, `instanceId`, `zone`), from the eks-auth model documentation.
 */

/** Request members in model order (botocore 1.44.8), with the option each maps to. */
export const parameters = Object.freeze([
  { name: 'clusterName', option: '--cluster-name', required: true, description: 'The name of the cluster for the request.' },
  { name: 'token', option: '--token', required: true, description: 'The token of the Kubernetes service account for the pod.' },
  { name: 'eksNodeName', option: '--eks-node-name', required: false, description: 'The Kubernetes node name of the worker node where the pod is running.' },
  { name: 'instanceId', option: '--instance-id', required: false, description: 'The Amazon EC2 instance ID of the worker node where the pod is running.' },
  { name: 'zone', option: '--zone', required: false, description: 'The Availability Zone ID of the worker node where the pod is running.' },
]);

/** One-line description of each request member, for the auto-prompt. */
export const parameterDescriptions = Object.freeze(
  Object.fromEntries(parameters.map((p) => [p.name, p.description])),
);

const DESCRIPTION = [
  'The Amazon EKS Auth API and the AssumeRoleForPodIdentity action are only used by the EKS Pod Identity Agent.',
  'We recommend that applications use the Amazon Web Services SDKs to connect to Amazon Web Services services; if credentials from an EKS Pod Identity association are available in the pod, the latest versions of the SDKs use them automatically.',
  'See also: AWS API Documentation',
];

/** Command options after the model members: [synopsis, option heading, description]. */
const COMMAND_OPTIONS = [
  ['[--cli-input-json | --cli-input-yaml]', '--cli-input-json | --cli-input-yaml (string)',
    'Reads arguments from the JSON string provided. The JSON string follows the format provided by --generate-cli-skeleton. If other arguments are provided on the command line, those values will override the JSON-provided values. It is not possible to pass arbitrary binary values using a JSON-provided value as the string will be taken literally. This may not be specified along with --cli-input-yaml.'],
  ['[--generate-cli-skeleton <value>]', '--generate-cli-skeleton (string)',
    'Prints a JSON skeleton to standard output without sending an API request. If provided with no value or the value input, prints a sample input JSON that can be used as an argument for --cli-input-json. Similarly, if provided yaml-input it will print a sample input YAML that can be used with --cli-input-yaml. If provided with the value output, it validates the command inputs and returns a sample output JSON for that command. The generated JSON skeleton is not stable between versions of the AWS CLI and there are no backwards compatibility guarantees in the JSON skeleton generated.'],
];

/** Global options: [synopsis, option heading, description, choices]. */
const GLOBAL_OPTIONS = [
  ['[--debug]', '--debug (boolean)', 'Turn on debug logging.'],
  ['[--endpoint-url <value>]', '--endpoint-url (string)', 'Override command\'s default URL with the given URL.'],
  ['[--no-verify-ssl]', '--no-verify-ssl (boolean)', 'By default, the AWS CLI uses SSL when communicating with AWS services. For each SSL connection, the AWS CLI will verify SSL certificates. This option overrides the default behavior of verifying SSL certificates.'],
  ['[--no-paginate]', '--no-paginate (boolean)', 'Disable automatic pagination.'],
  ['[--output <value>]', '--output (string)', 'The formatting style for command output.', ['json', 'text', 'table', 'yaml', 'yaml-stream']],
  ['[--query <value>]', '--query (string)', 'A JMESPath query to use in filtering the response data.'],
  ['[--profile <value>]', '--profile (string)', 'Use a specific profile from your credential file.'],
  ['[--region <value>]', '--region (string)', 'The region to use. Overrides config/env settings.'],
  ['[--version <value>]', '--version (string)', 'Display the version of this tool.'],
  ['[--color <value>]', '--color (string)', 'Turn on/off color output.', ['on', 'off', 'auto']],
  ['[--no-sign-request]', '--no-sign-request (boolean)', 'Do not sign requests. Credentials will not be loaded if this argument is provided.'],
  ['[--ca-bundle <value>]', '--ca-bundle (string)', 'The CA certificate bundle to use when verifying SSL certificates. Overrides config/env settings.'],
  ['[--cli-read-timeout <value>]', '--cli-read-timeout (int)', 'The maximum socket read time in seconds. If the value is set to 0, the socket read will be blocking and not timeout. The default value is 60 seconds.'],
  ['[--cli-connect-timeout <value>]', '--cli-connect-timeout (int)', 'The maximum socket connect time in seconds. If the value is set to 0, the socket connect will be blocking and not timeout. The default value is 60 seconds.'],
  ['[--cli-binary-format <value>]', '--cli-binary-format (string)', 'The formatting style to be used for binary blobs. The default format is base64. The base64 format expects binary blobs to be provided as a base64 encoded string. The raw-in-base64-out format preserves compatibility with AWS CLI V1 behavior and binary values must be passed literally. When providing contents from a file that map to a binary blob fileb:// will always be treated as binary and use the file contents directly regardless of the cli-binary-format setting. When using file:// the file contents will need to properly formatted for the configured cli-binary-format.', ['base64', 'raw-in-base64-out']],
  ['[--no-cli-pager]', '--no-cli-pager (boolean)', 'Disable cli pager for output.'],
  ['[--cli-auto-prompt]', '--cli-auto-prompt (boolean)', 'Automatically prompt for CLI input parameters.'],
  ['[--no-cli-auto-prompt]', '--no-cli-auto-prompt (boolean)', 'Disable automatically prompt for CLI input parameters.'],
];

/** The output shape: [name, type, description, members]. */
const OUTPUT = [
  ['subject', 'structure', 'The name of the Kubernetes service account inside the cluster to associate the IAM credentials with.', [
    ['namespace', 'string', 'The name of the Kubernetes namespace inside the cluster to create the association in. The service account and the pods that use the service account must be in this namespace.'],
    ['serviceAccount', 'string', 'The name of the Kubernetes service account inside the cluster to associate the IAM credentials with.'],
  ]],
  ['audience', 'string', 'The identity that is allowed to use the credentials. This value is always pods.eks.amazonaws.com.'],
  ['podIdentityAssociation', 'structure', 'The Amazon Resource Name (ARN) and ID of the EKS Pod Identity association.', [
    ['associationArn', 'string', 'The Amazon Resource Name (ARN) of the EKS Pod Identity association.'],
    ['associationId', 'string', 'The ID of the association.'],
  ]],
  ['assumedRoleUser', 'structure', 'An object with the permanent IAM role identity and the temporary session name.', [
    ['arn', 'string', 'The ARN of the IAM role that the temporary credentials authenticate to.'],
    ['assumeRoleId', 'string', 'The session name of the temporary session requested to STS. The value is a unique identifier that contains the role ID, a colon (:), and the role session name of the role that is being assumed. The role ID is generated by IAM when the role is created. The role session name part of the value follows this format: eks-clustername-podname-random UUID'],
  ]],
  ['credentials', 'structure', 'The Amazon Web Services Signature Version 4 type of temporary credentials.', [
    ['sessionToken', 'string', 'The token that applications inside the pods must pass to any service API to use the temporary credentials.'],
    ['secretAccessKey', 'string', 'The secret access key that applications inside the pods use to sign requests.'],
    ['accessKeyId', 'string', 'The access key ID that identifies the temporary security credentials.'],
    ['expiration', 'timestamp', 'The Unix epoch timestamp in seconds when the current credentials expire.'],
  ]],
];

/** Words of `text` on lines of at most `width` columns, each prefixed by `indent` spaces. */
function wrap(text, indent, width = 79) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l).join('\n');
}

function outputMember([name, type, description, members = []], indent) {
  const parts = [`${' '.repeat(indent)}${name} -> (${type})`, wrap(description, indent + 3)];
  for (const member of members) parts.push(outputMember(member, indent + 3));
  return parts.join('\n\n');
}

/** The command's help page as plain text, ending with a newline. */
export function commandHelp() {
  const synopsis = [
    '            assume-role-for-pod-identity',
    ...parameters.map((p) => `          ${p.required ? '' : '['}${p.option} <value>${p.required ? '' : ']'}`),
    ...[...COMMAND_OPTIONS, ...GLOBAL_OPTIONS].map(([line]) => `          ${line}`),
  ];
  const option = ([, heading, description, choices]) => [
    `       ${heading}`,
    '',
    wrap(description, 7),
    ...(choices ? ['', choices.map((c) => `       o ${c}`).join('\n\n')] : []),
  ].join('\n');
  return [
    'NAME',
    '       assume-role-for-pod-identity -',
    '',
    'DESCRIPTION',
    DESCRIPTION.map((p) => wrap(p, 7)).join('\n\n'),
    '',
    'SYNOPSIS',
    synopsis.join('\n'),
    '',
    'OPTIONS',
    [
      ...parameters.map((p) => `       ${p.option} (string)\n${wrap(p.description, 10)}`),
      ...COMMAND_OPTIONS.map(option),
    ].join('\n\n'),
    '',
    'GLOBAL OPTIONS',
    GLOBAL_OPTIONS.map(option).join('\n\n'),
    '',
    'OUTPUT',
    OUTPUT.map((member) => outputMember(member, 7)).join('\n\n'),
    '',
  ].join('\n');
}

/** What `credential-process` and `env` print, and for which configuration line or shell use. */
const FORMAT_COMMANDS = {
  'credential-process': {
    summary: 'Exchanges the token like assume-role-for-pod-identity and prints the pod\'s credentials as the JSON that credential_process programs print (Version, AccessKeyId, SecretAccessKey, SessionToken, Expiration), so any AWS SDK or tool can use the exchange through a profile.',
    example: [
      'In ~/.aws/config (the command\'s own credentials come from --profile, here "node", or the',
      'default chain; a profile must not run itself):',
      '',
      '           [profile pod]',
      '           credential_process = npx eks-auth credential-process --cluster-name my-cluster --token file:///var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token --region us-west-2 --profile node',
    ],
  },
  env: {
    summary: 'Exchanges the token like assume-role-for-pod-identity and prints the pod\'s credentials as export lines for a POSIX shell (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION), as aws configure export-credentials --format env does.',
    example: [
      '           eval "$(npx eks-auth env --cluster-name my-cluster --token file://token --region us-west-2)"',
    ],
  },
};

/** The help page of `credential-process` or `env`: same parameters and global options as the AWS
 * CLI command; `--output` and `--query` are accepted and ignored (the format is the command's). */
export function formatCommandHelp(command) {
  const { summary, example } = FORMAT_COMMANDS[command];
  const synopsis = [
    `            ${command}`,
    ...parameters.map((p) => `          ${p.required ? '' : '['}${p.option} <value>${p.required ? '' : ']'}`),
    ...[...COMMAND_OPTIONS, ...GLOBAL_OPTIONS].map(([line]) => `          ${line}`),
  ];
  return [
    'NAME',
    `       ${command} -`,
    '',
    'DESCRIPTION',
    wrap(summary, 7),
    '',
    wrap('Options are those of assume-role-for-pod-identity (run "eks-auth assume-role-for-pod-identity help"); the output format is fixed, so --output and --query are ignored. Parameter values may be file://path, so the token need not appear in the process list.', 7),
    '',
    'SYNOPSIS',
    synopsis.join('\n'),
    '',
    'EXAMPLE',
    example.map((line) => (line.startsWith(' ') || !line ? line : `       ${line}`)).join('\n'),
    '',
  ].join('\n');
}
