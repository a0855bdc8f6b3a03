import { parseArgs } from 'node:util';
import { runConsoleCommand } from '../console/console-cli.js';
import { recordOperatorChange } from '../operator-audit.js';
import { firstPositional, UsageError } from './arguments.js';
import type { OperatorCommand, PreparedCommand } from './operator-command.js';

type ConsoleCommandName = 'user' | 'invite' | 'list' | 'revoke';

/**
 * The console user a changing command acts on, read from its arguments before the database is opened
 * (`console user add NAME --person …`, in any order; `console invite NAME`; `console revoke NAME`);
 * undefined for `console list`. Throws UsageError for arguments that name none.
 */
function targetUser(command: ConsoleCommandName, args: readonly string[]): string | undefined {
  if (command === 'list') return undefined;
  if (command === 'user') {
    const [sub, ...rest] = args;
    if (sub !== 'add') throw new UsageError(`unknown command: console user ${(sub ?? '').slice(0, 20)}`.trim());
    const { positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { person: { type: 'string' }, client: { type: 'string' }, purpose: { type: 'string' }, role: { type: 'string' } },
    });
    return firstPositional(positionals, 'console user add needs the user name');
  }
  return firstPositional(args, command === 'revoke' ? 'console revoke needs a user name or a session handle' : 'console invite needs the user name');
}

/**
 * `console <command> …` (server/console/console-cli.ts), its output collected for either transport.
 * A command that changes who may sign in runs in one transaction with its audit entry, which names the user.
 */
function consoleCommand(command: ConsoleCommandName): OperatorCommand {
  return {
    name: `console ${command}`,
    prepare(args): PreparedCommand {
      const target = targetUser(command, args);
      return async ({ db, config, clock, hubUrl, osUser }) => {
        const lines: string[] = [];
        const run = (trx: typeof db) =>
          runConsoleCommand({ db: trx, config, clock, print: (line) => lines.push(line), defaultUrl: hubUrl }, command, [...args]);
        let exitCode: number | undefined;
        if (target === undefined) exitCode = await run(db);
        else
          await recordOperatorChange(
            db,
            clock,
            `operator console ${command === 'user' ? 'user add' : command}`,
            async (trx) => {
              exitCode = await run(trx);
              return exitCode === 0 ? { value: true, returned: [`console:${target.slice(0, 64)}`] } : undefined;
            },
            { osUser },
          );
        if (exitCode === undefined) throw new UsageError(`unknown command: console ${command} ${args[0] ?? ''}`.trim());
        return { lines, exitCode };
      };
    },
  };
}

export const CONSOLE_COMMANDS: readonly OperatorCommand[] = (['user', 'invite', 'list', 'revoke'] as const).map(consoleCommand);
