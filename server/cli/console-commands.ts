import { runConsoleCommand } from '../console/console-cli.js';
import { appendOperatorEntry } from '../operator-audit.js';
import { UsageError } from './arguments.js';
import type { OperatorCommand, PreparedCommand } from './operator-command.js';

/** Console commands that change who may sign in: audited when they succeed. */
const CHANGES = new Set(['user', 'invite', 'revoke']);

/** `console <command> …` (server/console/console-cli.ts), its output collected for either transport. */
function consoleCommand(command: 'user' | 'invite' | 'list' | 'revoke'): OperatorCommand {
  return {
    name: `console ${command}`,
    prepare(args): PreparedCommand {
      return async ({ db, config, clock, hubUrl }) => {
        const lines: string[] = [];
        const exitCode = await runConsoleCommand({ db, config, clock, print: (line) => lines.push(line), defaultUrl: hubUrl }, command, [...args]);
        if (exitCode === undefined) throw new UsageError(`unknown command: console ${command} ${args[0] ?? ''}`.trim());
        const target = command === 'user' ? args[1] : args[0];
        if (exitCode === 0 && CHANGES.has(command))
          await appendOperatorEntry(db, clock, `operator console ${command === 'user' ? 'user add' : command}`, [`console:${(target ?? '').slice(0, 64)}`]);
        return { lines, exitCode };
      };
    },
  };
}

export const CONSOLE_COMMANDS: readonly OperatorCommand[] = (['user', 'invite', 'list', 'revoke'] as const).map(consoleCommand);
