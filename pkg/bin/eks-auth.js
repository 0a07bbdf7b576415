#!/usr/bin/env node
// `eks-auth`: one binary, one subcommand per host. Each is imported only when asked for, so the
// CLI does not pay for the sidecar's dependencies and the other way round.

const USAGE = `usage: eks-auth <command> [options]

Commands:
  assume-role-for-pod-identity   the AWS CLI command (aws eks-auth assume-role-for-pod-identity), option for option
  credential-process             print credential_process JSON (for credential_process = ... in ~/.aws/config)
  env                            print export lines for a shell
  sidecar                        serve credentials to AWS SDKs, a drop-in for the EKS Pod Identity Agent
  emulator                       a local EKS Auth for development and tests
  start                          emulator + sidecar on loopback, with a minted token (what npm start runs)
  console                        the browser debugging console, on loopback

Run 'eks-auth <command> --help' for a command's options; 'eks-auth --version' for the version.
`;

async function main() {
  // As in the AWS CLI, global options (--output, --region, ...) may come before the command.
  const { splitGlobalOptions } = await import('../cli/args.js');
  const { command, argv } = splitGlobalOptions(process.argv.slice(2));
  switch (command) {
    case 'assume-role-for-pod-identity':
    case 'credential-process':
    case 'env':
    case '--version': {
      const { runCli } = await import('../cli/command.js');
      return runCli(command, argv);
    }
    case 'sidecar': {
      const { runSidecarCli } = await import('../sidecar/cli.js');
      return runSidecarCli(argv);
    }
    case 'emulator': {
      const { runEmulatorCli } = await import('../emulator/cli.js');
      return runEmulatorCli(argv);
    }
    case 'console': {
      const { runConsoleCli } = await import('../console-server.js');
      return runConsoleCli(argv);
    }
    case 'start': {
      const { runStart } = await import('../start.js');
      return runStart(argv);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 252 : 0;
    default:
      process.stderr.write(`${USAGE}\neks-auth: error: argument command: Invalid choice: '${command}'\n`);
      return 252;
  }
}

main().then(
  (code) => {
    process.exitCode = code ?? 0;
  },
  (e) => {
    process.stderr.write(`eks-auth: ${e?.message ?? e}\n`);
    process.exitCode = 255;
  },
);
