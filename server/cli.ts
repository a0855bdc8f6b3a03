#!/usr/bin/env node
import { readEnv } from '../config/env.js';
import { UsageError } from './cli/arguments.js';
import { findOperatorCommand } from './cli/commands.js';
import { HubCommandError } from './cli/hub-channel-client.js';
import { requestClientToken, writeClientKeyPair } from './cli/client-keys.js';
import { runOperatorCommand } from './cli/run-operator-command.js';
import { showStatus } from './cli/status-commands.js';
import { USAGE } from './cli/usage.js';
import { operatorFailure, type OperatorFailure } from './operator-protocol.js';

const HELP = new Set(['--help', '-h', 'help']);

/** Runs `npm run hub -- …` and returns its exit code; what it prints goes to standard output. */
async function run(argv: readonly string[]): Promise<number> {
  const [group, command] = argv;
  if (group === undefined || HELP.has(group)) {
    process.stdout.write(`${USAGE}\n`);
    return group === undefined ? 1 : 0;
  }
  const env = readEnv();
  const print = (outcome: { lines: readonly string[]; exitCode: number }) => {
    for (const line of outcome.lines) process.stdout.write(`${line}\n`);
    return outcome.exitCode;
  };
  if (group === 'status') return print(await showStatus(env, argv.slice(1)));
  if (group === 'client' && command === 'keygen') return print({ lines: await writeClientKeyPair(argv.slice(2)), exitCode: 0 });
  if (group === 'token' && command === 'request') return print({ lines: await requestClientToken(env, argv.slice(2)), exitCode: 0 });
  const found = findOperatorCommand(argv);
  if (!found) throw new UsageError(`unknown command: ${argv.slice(0, 2).join(' ')}`);
  return print(await runOperatorCommand(env, found.command, found.args));
}

/** Whether HUB_CLI_DEBUG asks for the stack of an unforeseen failure (false when the environment itself is invalid). */
function debugWanted(): boolean {
  try {
    return readEnv().HUB_CLI_DEBUG;
  } catch {
    return false;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const failure: OperatorFailure = error instanceof HubCommandError ? error.failure : operatorFailure(error);
    process.stderr.write(`${failure.message}\n${failure.usage ? `\n${USAGE}\n` : ''}`);
    if (!failure.known && error instanceof Error && !(error instanceof HubCommandError) && debugWanted()) process.stderr.write(`${error.stack ?? ''}\n`);
    process.exit(1);
  },
);
