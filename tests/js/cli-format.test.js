// The CLI output layer against the real AWS CLI: tests/data/eks-auth/cli-formats.json and
// cli-capture.json (AWS CLI v1 runs, byte-exact targets for what v1 and v2 share), plus fixed
// expectations for v2-only behaviour (YAML, colour, the v2 model's skeletons, v2 stderr shapes)
// derived from the v2 sources: awscli/formatter.py, table.py, text.py, errorhandler.py,
// argparser.py, generatecliskeleton.py, ruamel.yaml 0.17.21 and colorama 0.4.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  EXIT,
  OUTPUT_CHOICES,
  COLOR_CHOICES,
  formatError,
  formatOutput,
  invalidChoiceError,
  isoTimestamp,
  missingArgumentsError,
  noCredentialsError,
  noRegionError,
  textWidth,
  unknownOptionsError,
  usageError,
} from '../../pkg/cli/format.js';
import { SKELETON_CHOICES, generateSkeleton } from '../../pkg/cli/skeleton.js';
import { commandHelp, parameterDescriptions } from '../../pkg/cli/help.js';

const readFixture = (name) => JSON.parse(readFileSync(new URL(`../data/eks-auth/${name}`, import.meta.url), 'utf8'));
const formats = readFixture('cli-formats.json');
const capture = readFixture('cli-capture.json');
const { response } = formats;

/** The value after `name` in an argument list, as the CLI's parser reads it. */
const option = (args, name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};

// --- stdout of successful runs -----------------------------------------------------------------

for (const c of formats.cases.filter((x) => x.exitCode === 0 && !x.args.includes('--generate-cli-skeleton'))) {
  test(`cli-formats ${c.name}: stdout byte for byte`, () => {
    const output = option(c.args, '--output');
    const query = option(c.args, '--query');
    // The capture ran with TZ=UTC and cli_timestamp_format=iso8601 (v2's default).
    assert.equal(formatOutput(response, { output, query, timeZone: 'UTC' }), c.stdout);
    assert.equal(c.stderr, '');
  });
}

for (const s of capture.scenarios.filter((x) => x.cliExitCode === 0)) {
  test(`cli-capture ${s.name}: stdout byte for byte (cli_timestamp_format wire)`, () => {
    // v1's default timestamp format prints the wire value, as v2's `wire` does.
    const body = JSON.parse(s.serverResponse.body);
    const output = option(s.argv, '--output');
    assert.equal(formatOutput(body, { output, timestampFormat: 'wire' }), s.cliStdout);
  });
}

test('members print in model order whatever order the service sent, unknown members dropped', () => {
  const { credentials, ...rest } = response;
  const shuffled = { extra: 'ignored', credentials: { ...credentials, unknown: 1 }, ...rest };
  const json = formats.cases.find((c) => c.name === 'json');
  assert.equal(formatOutput(shuffled, { timeZone: 'UTC' }), json.stdout);
});

test('json: a query giving null prints null (v2), an empty object prints nothing', () => {
  assert.equal(formatOutput(response, { query: 'nope', timeZone: 'UTC' }), 'null\n');
  assert.equal(formatOutput(response, { query: '`{}`', timeZone: 'UTC' }), '');
  assert.equal(formatOutput(response, { query: '`[]`', timeZone: 'UTC' }), '[]\n');
});

test('json: non-ASCII is written as is (ensure_ascii=False), control characters escaped', () => {
  assert.equal(
    formatOutput(response, { query: '`{"u": "café 桌子", "ctl": "\\u0001"}`' }),
    '{\n    "u": "café 桌子",\n    "ctl": "\\u0001"\n}\n',
  );
});

test('text and table: null prints None and nothing; a scalar table shows only the title', () => {
  assert.equal(formatOutput(response, { output: 'text', query: 'nope' }), 'None\n');
  assert.equal(formatOutput(response, { output: 'table', query: 'nope' }), '');
  assert.equal(
    formatOutput(response, { output: 'table', query: 'audience' }),
    '--------------------------\n|AssumeRoleForPodIdentity|\n+------------------------+\n',
  );
});

test('wire timestamps keep the number, fractions as Python prints floats', () => {
  assert.equal(
    formatOutput(response, { output: 'text', query: 'credentials.expiration', timestampFormat: 'wire' }),
    '1764342000.25\n',
  );
  assert.throws(() => formatOutput(response, { timestampFormat: 'none' }), /valid values are "wire" or "iso8601"/);
});

// --- timestamps --------------------------------------------------------------------------------

test('ISO 8601 timestamps follow datetime.fromtimestamp(s, tz).isoformat()', () => {
  // Expected values printed by Python 3.11 with zoneinfo.
  const cases = [
    [1764342000.25, 'UTC', '2025-11-28T15:00:00.250000+00:00'],
    [1764342000, 'UTC', '2025-11-28T15:00:00+00:00'],
    [1764342000.25, 'America/Los_Angeles', '2025-11-28T07:00:00.250000-08:00'],
    [1764342000, 'Asia/Kolkata', '2025-11-28T20:30:00+05:30'],
    [1764342000, 'America/St_Johns', '2025-11-28T11:30:00-03:30'],
    [1751328000, 'Europe/Berlin', '2025-07-01T02:00:00+02:00'],
    [1764342000.123456, 'Australia/Lord_Howe', '2025-11-29T02:00:00.123456+11:00'],
    [1764342000.0000005, 'UTC', '2025-11-28T15:00:00+00:00'],
    [1764342000.0000014, 'UTC', '2025-11-28T15:00:00.000001+00:00'],
    [1764342000.9999995, 'UTC', '2025-11-28T15:00:01+00:00'],
    [-1.5, 'UTC', '1969-12-31T23:59:58.500000+00:00'],
  ];
  for (const [seconds, zone, expected] of cases) assert.equal(isoTimestamp(seconds, zone), expected, `${seconds} ${zone}`);
  assert.match(
    formatOutput(response, { output: 'text', query: 'credentials.expiration', timeZone: 'America/Los_Angeles' }),
    /^2025-11-28T07:00:00\.250000-08:00\n$/,
  );
});

// --- table layout ------------------------------------------------------------------------------

test('table on a 200-column terminal keeps single-row sections horizontal', () => {
  const expected = [
    '---------------------------------------------------------------------------------------------------------------------------------------------------',
    '|                                                            AssumeRoleForPodIdentity                                                             |',
    '+--------------------------------------------+----------------------------------------------------------------------------------------------------+',
    '|  audience                                  |  pods.eks.amazonaws.com                                                                            |',
    '+--------------------------------------------+----------------------------------------------------------------------------------------------------+',
    '||                                                                assumedRoleUser                                                                ||',
    '|+-------------------------------------------------------------------------------------+---------------------------------------------------------+|',
    '||                                         arn                                         |                      assumeRoleId                       ||',
    '|+-------------------------------------------------------------------------------------+---------------------------------------------------------+|',
    '||  arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c  |  AROAEXAMPLEROLEID1234:eks-my-cluster-my-pod-6f1e1b2c   ||',
    '|+-------------------------------------------------------------------------------------+---------------------------------------------------------+|',
    '||                                                                  credentials                                                                  ||',
    '|+---------------------+------------------------------------+--------------------------------------------+---------------------------------------+|',
    '||     accessKeyId     |            expiration              |              secretAccessKey               |             sessionToken              ||',
    '|+---------------------+------------------------------------+--------------------------------------------+---------------------------------------+|',
    '||ASIAEXAMPLEPODCREDS1 |  2025-11-28T15:00:00.250000+00:00  |  wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY  |  IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN  ||',
    '|+---------------------+------------------------------------+--------------------------------------------+---------------------------------------+|',
    '||                                                            podIdentityAssociation                                                             ||',
    '|+------------------------------------------------------------------------------------------------------------------+----------------------------+|',
    '||                                                  associationArn                                                  |       associationId        ||',
    '|+------------------------------------------------------------------------------------------------------------------+----------------------------+|',
    '||  arn:aws:eks:us-west-2:111122223333:podidentityassociation/my-cluster/a-abcdefghijklmnop1                        |  a-abcdefghijklmnop1       ||',
    '|+------------------------------------------------------------------------------------------------------------------+----------------------------+|',
    '||                                                                    subject                                                                    ||',
    '|+-----------------------------------------------------------+-----------------------------------------------------------------------------------+|',
    '||                         namespace                         |                                  serviceAccount                                   ||',
    '|+-----------------------------------------------------------+-----------------------------------------------------------------------------------+|',
    '||  default                                                  |  my-sa                                                                            ||',
    '|+-----------------------------------------------------------+-----------------------------------------------------------------------------------+|',
    '',
  ].join('\n');
  assert.equal(formatOutput(response, { output: 'table', isTTY: true, terminalWidth: 200, timeZone: 'UTC' }), expected);
  // Without a terminal the CLI assumes 80 columns whatever the width option says.
  const narrow = formats.cases.find((c) => c.name === 'table').stdout;
  assert.equal(formatOutput(response, { output: 'table', isTTY: false, terminalWidth: 200, timeZone: 'UTC' }), narrow);
});

test('table counts East Asian wide and ambiguous characters as two columns', () => {
  assert.equal(textWidth('café 桌子'), 10);
  assert.equal(
    formatOutput(response, { output: 'table', query: '`{"name": "桌子", "x": "café"}`' }),
    [
      '--------------------------',
      '|AssumeRoleForPodIdentity|',
      '+----------+-------------+',
      '|   name   |      x      |',
      '+----------+-------------+',
      '|  桌子    |  café      |',
      '+----------+-------------+',
      '',
    ].join('\n'),
  );
});

// --- colour ------------------------------------------------------------------------------------

test('table with --color on: colorama styles plus its reset after every write (real CLI bytes)', () => {
  // Captured from `aws ... --query credentials --output table --color on` (stdout a pipe).
  const expected = [
    '-----------------------------------------------------------------\n',
    '\x1b[0m\x1b[0m|                   AssumeRoleForPodIdentity                    |\x1b[0m\x1b[0m\n',
    '\x1b[0m\x1b[0m+------------------+--------------------------------------------+\x1b[0m\x1b[0m\n',
    '\x1b[0m\x1b[0m|  \x1b[1m\x1b[34maccessKeyId\x1b[0m     |  \x1b[1m\x1b[34mASIAEXAMPLEPODCREDS1\x1b[0m                      |\x1b[0m\x1b[0m\n',
    '\x1b[0m\x1b[0m|  \x1b[1m\x1b[34mexpiration\x1b[0m      |  \x1b[1m\x1b[34m2025-11-28T15:00:00.250000+00:00\x1b[0m          |\x1b[0m\x1b[0m\n',
    '\x1b[0m\x1b[0m|  \x1b[1m\x1b[34msecretAccessKey\x1b[0m |  \x1b[1m\x1b[34mwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\x1b[0m  |\x1b[0m\x1b[0m\n',
    '\x1b[0m\x1b[0m|  \x1b[1m\x1b[34msessionToken\x1b[0m    |  \x1b[1m\x1b[34mIQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN\x1b[0m       |\x1b[0m\x1b[0m\n',
    '\x1b[0m\x1b[0m+------------------+--------------------------------------------+\x1b[0m\x1b[0m\n',
    '\x1b[0m',
  ].join('');
  assert.equal(formatOutput(response, { output: 'table', query: 'credentials', color: 'on', timeZone: 'UTC' }), expected);
  // On a terminal colorama's exit hook adds one more reset.
  assert.equal(
    formatOutput(response, { output: 'table', query: 'credentials', color: 'on', isTTY: true, timeZone: 'UTC' }),
    `${expected}\x1b[0m`,
  );
});

test('table colour: nested sections get dim yellow borders', () => {
  const bar = '\x1b[2m\x1b[33m|\x1b[0m';
  const expected = [
    '-----------------------------------\n',
    '\x1b[0m\x1b[0m|    AssumeRoleForPodIdentity     |\x1b[0m\x1b[0m\n',
    '\x1b[0m\x1b[0m+---------------------------------+\x1b[0m\x1b[0m\n',
    `\x1b[0m${bar}\x1b[0m|            subject            |\x1b[0m${bar}\x1b[0m\n`,
    `\x1b[0m${bar}\x1b[0m+------------+------------------+\x1b[0m${bar}\x1b[0m\n`,
    `\x1b[0m${bar}\x1b[0m|  namespace | serviceAccount   |\x1b[0m${bar}\x1b[0m\n`,
    `\x1b[0m${bar}\x1b[0m+------------+------------------+\x1b[0m${bar}\x1b[0m\n`,
    `\x1b[0m${bar}\x1b[0m|  \x1b[1m\x1b[34mdefault\x1b[0m   |  \x1b[1m\x1b[34mmy-sa\x1b[0m           |\x1b[0m${bar}\x1b[0m\n`,
    `\x1b[0m${bar}\x1b[0m+------------+------------------+\x1b[0m${bar}\x1b[0m\n`,
    '\x1b[0m',
  ].join('');
  assert.equal(formatOutput(response, { output: 'table', query: '{subject: subject}', color: 'on' }), expected);
});

test('--color auto colours only a terminal; json and text are never coloured', () => {
  const plain = formats.cases.find((c) => c.name === 'table').stdout;
  assert.equal(formatOutput(response, { output: 'table', color: 'auto', isTTY: false, timeZone: 'UTC' }), plain);
  assert.match(formatOutput(response, { output: 'table', color: 'auto', isTTY: true, timeZone: 'UTC' }), /\x1b\[1m\x1b\[34m/);
  for (const output of ['json', 'text']) {
    const c = formats.cases.find((x) => x.name === output);
    assert.equal(formatOutput(response, { output, color: 'on', isTTY: true, timeZone: 'UTC' }), c.stdout);
  }
});

// --- YAML (v2 only: expectations from ruamel.yaml 0.17.21 as v2's YAMLDumper configures it) ---

const YAML_RESPONSE = `assumedRoleUser:
  arn: arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c
  assumeRoleId: AROAEXAMPLEROLEID1234:eks-my-cluster-my-pod-6f1e1b2c
audience: pods.eks.amazonaws.com
credentials:
  accessKeyId: ASIAEXAMPLEPODCREDS1
  expiration: '2025-11-28T15:00:00.250000+00:00'
  secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
  sessionToken: IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN
podIdentityAssociation:
  associationArn: arn:aws:eks:us-west-2:111122223333:podidentityassociation/my-cluster/a-abcdefghijklmnop1
  associationId: a-abcdefghijklmnop1
subject:
  namespace: default
  serviceAccount: my-sa
`;

test('yaml: sorted keys, 2-space indent, timestamp string quoted', () => {
  assert.equal(formatOutput(response, { output: 'yaml', timeZone: 'UTC' }), YAML_RESPONSE);
});

test('yaml-stream: the response as a one-item list', () => {
  assert.equal(formatOutput(response, { output: 'yaml-stream', timeZone: 'UTC' }), `- assumedRoleUser:
    arn: arn:aws:sts::111122223333:assumed-role/my-pod-role/eks-my-cluster-my-pod-6f1e1b2c
    assumeRoleId: AROAEXAMPLEROLEID1234:eks-my-cluster-my-pod-6f1e1b2c
  audience: pods.eks.amazonaws.com
  credentials:
    accessKeyId: ASIAEXAMPLEPODCREDS1
    expiration: '2025-11-28T15:00:00.250000+00:00'
    secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    sessionToken: IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN
  podIdentityAssociation:
    associationArn: arn:aws:eks:us-west-2:111122223333:podidentityassociation/my-cluster/a-abcdefghijklmnop1
    associationId: a-abcdefghijklmnop1
  subject:
    namespace: default
    serviceAccount: my-sa
`);
});

test('yaml: a scalar result is written as JSON, yaml-stream lists it', () => {
  assert.equal(formatOutput(response, { output: 'yaml', query: 'audience' }), '"pods.eks.amazonaws.com"\n');
  assert.equal(formatOutput(response, { output: 'yaml', query: 'nope' }), 'null\n');
  assert.equal(formatOutput(response, { output: 'yaml-stream', query: 'audience' }), '- pods.eks.amazonaws.com\n');
  assert.equal(
    formatOutput(response, { output: 'yaml-stream', query: '[credentials.accessKeyId, credentials.expiration]', timeZone: 'UTC' }),
    "- - ASIAEXAMPLEPODCREDS1\n  - '2025-11-28T15:00:00.250000+00:00'\n",
  );
  assert.equal(formatOutput(response, { output: 'yaml', query: '`{}`' }), '');
});

test('yaml: strings are plain unless YAML 1.2 reads them otherwise or they hold indicators', () => {
  const query = '`{"t": "true", "n": "null", "num": "12", "ts": "2025-11-28", "e": "", "sp": " lead", "q": "it\'s",'
    + ' "c": "a: b", "h": "#x", "d": "- a", "tab": "a\\tb", "nl": "a\\nb", "u": "café 桌子", "yes": "yes", "col": "a:b"}`';
  const expected = `c: 'a: b'
col: a:b
d: '- a'
e: ''
h: '#x'
n: 'null'
nl: "a\\nb"
num: '12'
q: it's
sp: ' lead'
t: 'true'
tab: "a\\tb"
ts: '2025-11-28'
u: café 桌子
yes: yes
`;
  assert.equal(formatOutput(response, { output: 'yaml', query }), expected);
});

// --- skeletons ---------------------------------------------------------------------------------

test('skeleton input: v1 capture is the shared part; v2 model adds eksNodeName, instanceId, zone', () => {
  const v1 = formats.cases.find((c) => c.name === 'skeleton-input').stdout;
  const v2 = v1.replace('"token": ""\n}', '"token": "",\n    "eksNodeName": "",\n    "instanceId": "",\n    "zone": ""\n}');
  assert.notEqual(v2, v1);
  assert.equal(generateSkeleton('input'), v2);
  assert.equal(generateSkeleton(), v2);
});

test('skeleton output: v1 capture is the shared part; v2 model adds workloadIdentityProviderArn', () => {
  const v1 = formats.cases.find((c) => c.name === 'skeleton-output').stdout;
  const v2 = v1.replace(/\n {4}\}\n\}\n$/, '\n    },\n    "workloadIdentityProviderArn": "workloadIdentityProviderArn"\n}\n');
  assert.notEqual(v2, v1);
  assert.equal(generateSkeleton('output'), v2);
  assert.equal(generateSkeleton('output', { query: 'credentials.expiration' }), '"1970-01-01T00:00:00"\n');
});

test('skeleton output through text, table and yaml: the naive timestamp prints as Python str()', () => {
  assert.equal(generateSkeleton('output', { output: 'text' }), [
    'audience\tworkloadIdentityProviderArn',
    'ASSUMEDROLEUSER\tarn\tassumeRoleId',
    'CREDENTIALS\taccessKeyId\t1970-01-01 00:00:00\tsecretAccessKey\tsessionToken',
    'PODIDENTITYASSOCIATION\tassociationArn\tassociationId',
    'SUBJECT\tnamespace\tserviceAccount',
    '',
  ].join('\n'));
  assert.equal(generateSkeleton('output', { output: 'table' }), [
    '-----------------------------------------------------------------------------',
    '|                         AssumeRoleForPodIdentity                          |',
    '+-------------------+-------------------------------------------------------+',
    '|     audience      |              workloadIdentityProviderArn              |',
    '+-------------------+-------------------------------------------------------+',
    '|  audience         |  workloadIdentityProviderArn                          |',
    '+-------------------+-------------------------------------------------------+',
    '||                             assumedRoleUser                             ||',
    '|+---------------------+---------------------------------------------------+|',
    '||         arn         |                   assumeRoleId                    ||',
    '|+---------------------+---------------------------------------------------+|',
    '||  arn                |  assumeRoleId                                     ||',
    '|+---------------------+---------------------------------------------------+|',
    '||                               credentials                               ||',
    '|+-------------+-----------------------+-------------------+---------------+|',
    '|| accessKeyId |      expiration       |  secretAccessKey  | sessionToken  ||',
    '|+-------------+-----------------------+-------------------+---------------+|',
    '||  accessKeyId|  1970-01-01 00:00:00  |  secretAccessKey  |  sessionToken ||',
    '|+-------------+-----------------------+-------------------+---------------+|',
    '||                         podIdentityAssociation                          ||',
    '|+-------------------------------------+-----------------------------------+|',
    '||           associationArn            |           associationId           ||',
    '|+-------------------------------------+-----------------------------------+|',
    '||  associationArn                     |  associationId                    ||',
    '|+-------------------------------------+-----------------------------------+|',
    '||                                 subject                                 ||',
    '|+-----------------------------+-------------------------------------------+|',
    '||          namespace          |              serviceAccount               ||',
    '|+-----------------------------+-------------------------------------------+|',
    '||  namespace                  |  serviceAccount                           ||',
    '|+-----------------------------+-------------------------------------------+|',
    '',
  ].join('\n'));
  assert.equal(generateSkeleton('output', { output: 'yaml' }), `assumedRoleUser:
  arn: arn
  assumeRoleId: assumeRoleId
audience: audience
credentials:
  accessKeyId: accessKeyId
  expiration: 1970-01-01 00:00:00
  secretAccessKey: secretAccessKey
  sessionToken: sessionToken
podIdentityAssociation:
  associationArn: associationArn
  associationId: associationId
subject:
  namespace: namespace
  serviceAccount: serviceAccount
workloadIdentityProviderArn: workloadIdentityProviderArn
`);
});

test('skeleton yaml-input: ruamel round-trip dump with [REQUIRED] and doc comments', () => {
  assert.equal(generateSkeleton('yaml-input'), `clusterName: ''  # [REQUIRED] The name of the cluster for the request.
token: '' # [REQUIRED] The token of the Kubernetes service account for the pod.
eksNodeName: '' # The Kubernetes node name of the worker node where the pod is running.
instanceId: '' # The Amazon EC2 instance ID of the worker node where the pod is running.
zone: '' # The Availability Zone ID of the worker node where the pod is running.
`);
  assert.deepEqual(SKELETON_CHOICES, ['input', 'output', 'yaml-input']);
  assert.throws(() => generateSkeleton('xml'), /Unknown skeleton kind/);
});

// --- stderr ------------------------------------------------------------------------------------

for (const c of formats.cases.filter((x) => x.exitCode !== 0)) {
  test(`cli-formats ${c.name}: stderr byte for byte`, () => {
    // The stand-in server answered with the error named by --cluster-name and the message
    // "example <code> message"; AWS_MAX_ATTEMPTS=N exhausted means N - 1 retries.
    const code = option(c.args, '--cluster-name');
    const attempts = c.env.AWS_MAX_ATTEMPTS;
    const retries = attempts ? Number(attempts) - 1 : undefined;
    assert.equal(formatError({ code, message: `example ${code} message`, retries }), c.stderr);
    assert.equal(c.stdout, '');
    assert.equal(c.exitCode, 255); // v1; v2 exits EXIT.service
  });
}

for (const s of capture.scenarios.filter((x) => x.cliExitCode !== 0)) {
  test(`cli-capture ${s.name}: stderr byte for byte`, () => {
    const code = s.serverResponse.headers.find(([name]) => name.toLowerCase() === 'x-amzn-errortype')[1];
    const { message } = JSON.parse(s.serverResponse.body);
    const retries = s.attempts > 1 ? s.attempts - 1 : undefined; // v1 legacy mode: 5 attempts
    assert.equal(formatError({ code, message, retries }), s.cliStderr);
  });
}

test('exit codes are v2 codes', () => {
  assert.deepEqual({ ...EXIT }, { usage: 252, configuration: 253, service: 254, general: 255, interrupted: 130 });
});

const USAGE_AWS = 'usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n'
  + 'To see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n';

test('missing required options: v2 usage error shape', () => {
  assert.equal(
    missingArgumentsError(['--cluster-name', '--token']),
    `\n${USAGE_AWS}\naws: error: the following arguments are required: --cluster-name, --token\n\n`,
  );
  assert.equal(
    missingArgumentsError(['--token'], { prog: 'eks-auth' }),
    '\nusage: eks-auth [options] <command> <subcommand> [<subcommand> ...] [parameters]\n'
      + 'To see help text, you can run:\n\n  eks-auth help\n  eks-auth <command> help\n  eks-auth <command> <subcommand> help\n'
      + '\neks-auth: error: the following arguments are required: --token\n\n',
  );
  assert.equal(usageError('boom'), `\n${USAGE_AWS}\naws: error: boom\n\n`);
});

test('invalid choices: two per line, difflib suggestions', () => {
  const list = 'json                                     | text                                    \n'
    + 'table                                    | yaml                                    \n'
    + 'yaml-stream                             ';
  assert.equal(
    invalidChoiceError('--output', 'jsn', OUTPUT_CHOICES),
    `\n${USAGE_AWS}\naws: error: argument --output: Invalid choice, valid choices are:\n\n${list}\n\n\nInvalid choice: 'jsn', maybe you meant:\n\n  * json\n\n`,
  );
  assert.equal(
    invalidChoiceError('--output', 'yaml_stream', OUTPUT_CHOICES),
    `\n${USAGE_AWS}\naws: error: argument --output: Invalid choice, valid choices are:\n\n${list}\n\n\nInvalid choice: 'yaml_stream', maybe you meant:\n\n  * yaml-stream\n\n`,
  );
  assert.equal(
    invalidChoiceError('--output', 'xml', OUTPUT_CHOICES),
    `\n${USAGE_AWS}\naws: error: argument --output: Invalid choice, valid choices are:\n\n${list}\n\n`,
  );
  assert.equal(
    invalidChoiceError('--color', 'blue', COLOR_CHOICES),
    `\n${USAGE_AWS}\naws: error: argument --color: Invalid choice, valid choices are:\n\n`
      + 'on                                       | off                                     \nauto                                    \n\n',
  );
});

test('unknown options, no credentials, no region', () => {
  assert.equal(unknownOptionsError(['--foo', '1']), `\n${USAGE_AWS}\nUnknown options: --foo, 1\n\n`);
  assert.equal(
    noCredentialsError(),
    '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
  );
  assert.equal(
    noRegionError(),
    '\nYou must specify a region. You can also configure your region by running "aws configure".\n',
  );
  assert.match(noRegionError({ prog: 'eks-auth' }), /running "eks-auth configure"\.\n$/);
});

test('service error without a message or code falls back to Unknown, as botocore does', () => {
  assert.equal(
    formatError({}),
    '\nAn error occurred (Unknown) when calling the AssumeRoleForPodIdentity operation: Unknown\n',
  );
  assert.equal(
    formatError({ code: 'ThrottlingException', message: 'Rate exceeded', retries: 0 }),
    '\nAn error occurred (ThrottlingException) when calling the AssumeRoleForPodIdentity operation (reached max retries: 0): Rate exceeded\n',
  );
});

// --- help --------------------------------------------------------------------------------------

test('help lists every option of the reference page with its description', () => {
  // The synopsis of shared/reference/aws-cli-eks-auth-assume-role-for-pod-identity.txt, plus the
  // request members the page predates.
  const reference = [
    '--cluster-name <value>', '--token <value>', '[--eks-node-name <value>]', '[--instance-id <value>]',
    '[--zone <value>]', '[--cli-input-json | --cli-input-yaml]', '[--generate-cli-skeleton <value>]', '[--debug]',
    '[--endpoint-url <value>]', '[--no-verify-ssl]', '[--no-paginate]', '[--output <value>]', '[--query <value>]',
    '[--profile <value>]', '[--region <value>]', '[--version <value>]', '[--color <value>]', '[--no-sign-request]',
    '[--ca-bundle <value>]', '[--cli-read-timeout <value>]', '[--cli-connect-timeout <value>]',
    '[--cli-binary-format <value>]', '[--no-cli-pager]', '[--cli-auto-prompt]', '[--no-cli-auto-prompt]',
  ];
  const help = commandHelp();
  const synopsis = help.slice(help.indexOf('SYNOPSIS\n'), help.indexOf('OPTIONS\n'));
  assert.deepEqual(synopsis.trim().split('\n').slice(2).map((l) => l.trim()), reference);
  for (const heading of ['NAME', 'DESCRIPTION', 'SYNOPSIS', 'OPTIONS', 'GLOBAL OPTIONS', 'OUTPUT']) {
    assert.match(help, new RegExp(`^${heading}$`, 'm'));
  }
  assert.ok(help.includes('       --token (string)\n          The token of the Kubernetes service account for the pod.\n'));
  assert.ok(help.includes('A JMESPath query to use in filtering the response data.'));
  assert.ok(help.includes('       o yaml-stream'));
  assert.ok(help.includes('          expiration -> (timestamp)'));
  assert.ok(help.split('\n').every((l) => l.length <= 79));
  assert.ok(help.endsWith('\n'));
});

test('parameter descriptions for the auto-prompt', () => {
  assert.equal(parameterDescriptions.clusterName, 'The name of the cluster for the request.');
  assert.equal(parameterDescriptions.token, 'The token of the Kubernetes service account for the pod.');
  assert.deepEqual(Object.keys(parameterDescriptions), ['clusterName', 'token', 'eksNodeName', 'instanceId', 'zone']);
});
