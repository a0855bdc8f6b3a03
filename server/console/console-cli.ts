import { parseArgs } from 'node:util';
import type { HubConfig } from '../hub-config.js';
import {
  findConsoleUser,
  listConsoleUsers,
  listOpenConsoleSessions,
  revokeConsoleSessionByHandle,
  revokeConsoleUserAccess,
  type ConsoleUserRow,
} from '../../store/console-queries.js';
import type { HubDb } from '../../store/database.js';
import { ConsoleSessions } from './console-sessions.js';
import { addConsoleUser, ConsoleUserError } from './console-users.js';

/** Usage lines of the console command group, for the CLI's help. */
export const CONSOLE_USAGE = `  console user add USER --person NAME --client ID --purpose PURPOSE [--role OPERATOR|VIEWER]
                                                add a console user (a person acting for a client), or change one
  console invite USER                           print a one-time sign-in link for the user (valid console.inviteHours)
  console list [--json]                         list console users and open sessions
  console revoke USER|SESSION                   end a user's sessions and unused links, or one session by its handle`;

/** What a console command needs: the database, the config, the clock, where to print and the console's address. */
export interface ConsoleCliDeps {
  readonly db: HubDb;
  readonly config: HubConfig;
  readonly clock: () => Date;
  readonly print: (line: string) => void;
  /** The hub's address as people reach it, when console.publicUrl is not set. */
  readonly defaultUrl: string;
}

/**
 * Runs `console <command> ...args`; returns the exit code, or undefined for an unknown command.
 * Throws ConsoleUserError (exit 1 with its message) for a user that cannot be added.
 */
export async function runConsoleCommand(deps: ConsoleCliDeps, command: string | undefined, args: string[]): Promise<number | undefined> {
  const at = deps.clock();
  switch (command) {
    case 'user': {
      const [sub, ...rest] = args;
      if (sub !== 'add') return undefined;
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { person: { type: 'string' }, client: { type: 'string' }, purpose: { type: 'string' }, role: { type: 'string' } },
      });
      const name = positionals[0];
      if (!name) throw new ConsoleUserError('console user add needs the user name');
      await addConsoleUser(
        deps.db,
        deps.config.auth.purposes,
        { name, personName: values.person ?? '', clientId: values.client ?? '', purpose: values.purpose ?? '', role: values.role ?? 'OPERATOR' },
        at,
      );
      deps.print(`console user ${name} saved; make a sign-in link with: npm run hub -- console invite ${name}`);
      return 0;
    }
    case 'invite': {
      const name = args[0];
      if (!name) throw new ConsoleUserError('console invite needs the user name');
      const invite = await new ConsoleSessions({ db: deps.db, clock: deps.clock, config: deps.config.console }).invite(name);
      if (!invite) throw new ConsoleUserError(`no enabled console user ${name.slice(0, 64)}: add one with console user add`);
      const base = (deps.config.console.publicUrl ?? deps.defaultUrl).replace(/\/+$/, '');
      deps.print(`${base}/console/sign-in#invite=${invite.token}`);
      deps.print(`one-time link for ${name}, valid until ${invite.expiresAt.toISOString()}; it shows only now`);
      return 0;
    }
    case 'list': {
      const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
      const users = await listConsoleUsers(deps.db);
      const sessions = await listOpenConsoleSessions(deps.db, at);
      if (values.json) {
        deps.print(JSON.stringify({ users: users.map(consoleUserJson), sessions: sessions.map(consoleSessionJson) }));
        return 0;
      }
      for (const user of users)
        deps.print(`user\t${user.name}\t${user.role}\t${user.client_id}\t${user.purpose}\t${user.disabled_at ? 'disabled' : 'enabled'}\t${user.person_name}`);
      for (const session of sessions)
        deps.print(
          `session\t${session.handle}\t${session.user_name}\tsigned in ${session.created_at.toISOString()}\tlast seen ${session.last_seen_at.toISOString()}\tends ${session.expires_at.toISOString()}`,
        );
      return 0;
    }
    case 'revoke': {
      const target = args[0];
      if (!target) throw new ConsoleUserError('console revoke needs a user name or a session handle');
      if (await findConsoleUser(deps.db, target)) {
        const ended = await revokeConsoleUserAccess(deps.db, target, at);
        deps.print(`console user ${target}: ${ended} session(s) ended and unused sign-in links cancelled`);
        return 0;
      }
      const ended = await revokeConsoleSessionByHandle(deps.db, target, at);
      deps.print(ended ? `console session ${target} ended` : `no console user or open session ${target.slice(0, 64)}`);
      return ended ? 0 : 1;
    }
    default:
      return undefined;
  }
}

/** A console user as `console list --json` shows it. */
const consoleUserJson = (user: ConsoleUserRow) => ({
  name: user.name,
  person: user.person_name,
  role: user.role,
  client: user.client_id,
  purpose: user.purpose,
  disabledAt: user.disabled_at?.toISOString() ?? null,
});

/** An open session as `console list --json` shows it: its handle, never its id. */
const consoleSessionJson = (session: Awaited<ReturnType<typeof listOpenConsoleSessions>>[number]) => ({
  handle: session.handle,
  user: session.user_name,
  signedInAt: session.created_at.toISOString(),
  lastSeenAt: session.last_seen_at.toISOString(),
  endsAt: session.expires_at.toISOString(),
});
