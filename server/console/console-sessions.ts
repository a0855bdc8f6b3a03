import type { ConsoleConfig } from '../../config/console-schema.js';
import {
  consumeConsoleInvite,
  findConsoleUser,
  insertConsoleInvite,
  insertConsoleSession,
  revokeConsoleSessionById,
  touchConsoleSession,
  type ConsoleUserRow,
} from '../../store/console-queries.js';
import type { HubDb } from '../../store/database.js';
import { hashSecret, newSecret, newSessionHandle } from './session-secrets.js';

/** A signed-in person's live session, as a request with its cookie finds it. */
export interface ConsoleSession {
  /** Public name of the session (for `console revoke`). */
  readonly handle: string;
  readonly user: ConsoleUserRow;
  /** When the session ends however busy it is (absolute timeout). */
  readonly expiresAt: Date;
}

/** How a person shows in audit entries: `<user> (<name>)`. */
export const personLabel = (user: Pick<ConsoleUserRow, 'name' | 'person_name'>): string => `${user.name} (${user.person_name})`;

/**
 * Invites, sign-in and sessions of console users. Secrets (invite tokens, session ids) are handed out
 * once and kept only as hashes; an invite works once, within `inviteHours`; a session ends after
 * `idleMinutes` without a request, `absoluteHours` after sign-in, at sign-out, or when revoked.
 */
export class ConsoleSessions {
  constructor(private readonly deps: { readonly db: HubDb; readonly clock: () => Date; readonly config: ConsoleConfig }) {}

  /** Makes a one-time sign-in token for an enabled user; undefined when there is no such user. */
  async invite(userName: string): Promise<{ token: string; expiresAt: Date } | undefined> {
    const user = await findConsoleUser(this.deps.db, userName);
    if (!user || user.disabled_at) return undefined;
    const at = this.deps.clock();
    const token = newSecret();
    const expiresAt = new Date(at.getTime() + this.deps.config.inviteHours * 3_600_000);
    await insertConsoleInvite(this.deps.db, { tokenHash: hashSecret(token), userName, at, expiresAt });
    return { token, expiresAt };
  }

  /** Exchanges an invite token for a new session (the token is spent); undefined when it is used, expired or unknown. */
  async signIn(inviteToken: string): Promise<{ sessionId: string; session: ConsoleSession } | undefined> {
    const at = this.deps.clock();
    return this.deps.db.transaction().execute(async (trx) => {
      const userName = await consumeConsoleInvite(trx, hashSecret(inviteToken), at);
      const user = userName ? await findConsoleUser(trx, userName) : undefined;
      if (!user || user.disabled_at) return undefined;
      const sessionId = newSecret();
      const handle = newSessionHandle();
      const expiresAt = new Date(at.getTime() + this.deps.config.absoluteHours * 3_600_000);
      await insertConsoleSession(trx, { idHash: hashSecret(sessionId), handle, userName: user.name, at, expiresAt });
      return { sessionId, session: { handle, user, expiresAt } };
    });
  }

  /** The live session with this id, marked active now; undefined when it has ended (idle, expired, signed out, revoked). */
  async resume(sessionId: string): Promise<ConsoleSession | undefined> {
    const at = this.deps.clock();
    const idleSince = new Date(at.getTime() - this.deps.config.idleMinutes * 60_000);
    const row = await touchConsoleSession(this.deps.db, hashSecret(sessionId), at, idleSince);
    return row ? { handle: row.handle, user: row.user, expiresAt: row.expires_at } : undefined;
  }

  /** Ends the session with this id (sign-out). */
  async signOut(sessionId: string): Promise<void> {
    await revokeConsoleSessionById(this.deps.db, hashSecret(sessionId), this.deps.clock());
  }
}
