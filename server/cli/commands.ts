import { AUDIT_COMMANDS } from './audit-commands.js';
import { CLIENT_COMMANDS } from './client-commands.js';
import { CONSOLE_COMMANDS } from './console-commands.js';
import { DATA_COMMANDS } from './data-commands.js';
import { KEY_AND_TOKEN_COMMANDS } from './key-token-commands.js';
import { storeStatus } from './store-status-command.js';
import type { OperatorCommand } from './operator-command.js';

/** Every command that needs the database, by name: the CLI and the hub's operator channel run them from this list. */
export const OPERATOR_COMMANDS: ReadonlyMap<string, OperatorCommand> = new Map(
  [...CLIENT_COMMANDS, ...KEY_AND_TOKEN_COMMANDS, ...AUDIT_COMMANDS, ...DATA_COMMANDS, ...CONSOLE_COMMANDS, storeStatus].map((command) => [
    command.name,
    command,
  ]),
);

/** The operator command `argv` names (one word, e.g. `import`, or two, e.g. `client revoke`) and its arguments, if it names one. */
export function findOperatorCommand(argv: readonly string[]): { command: OperatorCommand; args: readonly string[] } | undefined {
  const [first = '', second = ''] = argv;
  const two = OPERATOR_COMMANDS.get(`${first} ${second}`);
  if (two) return { command: two, args: argv.slice(2) };
  const one = OPERATOR_COMMANDS.get(first);
  return one ? { command: one, args: argv.slice(1) } : undefined;
}
