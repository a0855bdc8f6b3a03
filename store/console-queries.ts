import { sql } from 'kysely';
import type { HubDb } from './database.js';

/** What a console user may do: OPERATOR every action the client's scopes allow; VIEWER reads only. */
export const CONSOLE_ROLES = ['OPERATOR', 'VIEWER'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** A person who uses the console, acting for one API client under one purpose. */
export interface ConsoleUserRow {
  readonly name: string;
  readonly person_name: string;
  readonly role: ConsoleRole;
  readonly client_id: string;
  readonly purpose: string;
  readonly created_at: Date;
  readonly disabled_at: Date | null;
}

/** A live session with its user, as a request presenting its cookie finds it. */
export interface ConsoleSessionRow {
  readonly handle: string;
  readonly expires_at: Date;
  readonly user: ConsoleUserRow;
}

/** Adds a console user, or updates the person, role, client and purpose of an existing one (and enables it again). */
export async function upsertConsoleUser(db: HubDb, user: Omit<ConsoleUserRow, 'disabled_at'>): Promise<void> {
  await sql`
    insert into console_users (name, person_name, role, client_id, purpose, created_at)
    values (${user.name}, ${user.person_name}, ${user.role}, ${user.client_id}, ${user.purpose}, ${user.created_at})
    on conflict (name) do update set person_name = excluded.person_name, role = excluded.role,
      client_id = excluded.client_id, purpose = excluded.purpose, disabled_at = null`.execute(db);
}

export async function findConsoleUser(db: HubDb, name: string): Promise<ConsoleUserRow | undefined> {
  const { rows } = await sql<ConsoleUserRow>`select * from console_users where name = ${name}`.execute(db);
  return rows[0];
}

export async function listConsoleUsers(db: HubDb): Promise<ConsoleUserRow[]> {
  const { rows } = await sql<ConsoleUserRow>`select * from console_users order by name`.execute(db);
  return rows;
}

export async function insertConsoleInvite(db: HubDb, invite: { tokenHash: string; userName: string; at: Date; expiresAt: Date }): Promise<void> {
  await sql`insert into console_invites (token_hash, user_name, created_at, expires_at)
    values (${invite.tokenHash}, ${invite.userName}, ${invite.at}, ${invite.expiresAt})`.execute(db);
}

/** Marks an unused, unexpired invite used and returns its user's name; undefined when there is none (used, expired, unknown). */
export async function consumeConsoleInvite(db: HubDb, tokenHash: string, at: Date): Promise<string | undefined> {
  const { rows } = await sql<{ user_name: string }>`
    update console_invites set used_at = ${at}
    where token_hash = ${tokenHash} and used_at is null and expires_at > ${at}
    returning user_name`.execute(db);
  return rows[0]?.user_name;
}

export async function insertConsoleSession(db: HubDb, session: { idHash: string; handle: string; userName: string; at: Date; expiresAt: Date }): Promise<void> {
  await sql`insert into console_sessions (id_hash, handle, user_name, created_at, last_seen_at, expires_at)
    values (${session.idHash}, ${session.handle}, ${session.userName}, ${session.at}, ${session.at}, ${session.expiresAt})`.execute(db);
}

/**
 * The session with this id hash if it is live at `at` (not revoked, before its absolute expiry, seen
 * after `idleSince`, its user enabled), marking it seen now; undefined otherwise.
 */
export async function touchConsoleSession(db: HubDb, idHash: string, at: Date, idleSince: Date): Promise<ConsoleSessionRow | undefined> {
  const { rows } = await sql<{
    handle: string;
    expires_at: Date;
    name: string;
    person_name: string;
    role: ConsoleRole;
    client_id: string;
    purpose: string;
    created_at: Date;
    disabled_at: Date | null;
  }>`
    update console_sessions s set last_seen_at = greatest(s.last_seen_at, ${at})
    from console_users u
    where s.id_hash = ${idHash} and u.name = s.user_name and u.disabled_at is null
      and s.revoked_at is null and s.expires_at > ${at} and s.last_seen_at > ${idleSince}
    returning s.handle, s.expires_at, u.name, u.person_name, u.role, u.client_id, u.purpose, u.created_at, u.disabled_at`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { handle, expires_at, ...user } = row;
  return { handle, expires_at, user };
}

/** Ends the session with this id hash (sign-out). */
export async function revokeConsoleSessionById(db: HubDb, idHash: string, at: Date): Promise<void> {
  await sql`update console_sessions set revoked_at = ${at} where id_hash = ${idHash} and revoked_at is null`.execute(db);
}

/** Ends the session with this public handle; returns whether a live one was ended. */
export async function revokeConsoleSessionByHandle(db: HubDb, handle: string, at: Date): Promise<boolean> {
  const { rows } = await sql<{
    handle: string;
  }>`update console_sessions set revoked_at = ${at} where handle = ${handle} and revoked_at is null returning handle`.execute(db);
  return rows.length > 0;
}

/** Ends every session of a user and cancels their unused invites; returns how many sessions were ended. */
export async function revokeConsoleUserAccess(db: HubDb, userName: string, at: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`update console_invites set used_at = ${at} where user_name = ${userName} and used_at is null`.execute(trx);
    const { rows } = await sql<{
      handle: string;
    }>`update console_sessions set revoked_at = ${at} where user_name = ${userName} and revoked_at is null returning handle`.execute(trx);
    return rows.length;
  });
}

/** Sessions not revoked and before their absolute expiry, newest first (idle ones included: the CLI shows last_seen_at). */
export async function listOpenConsoleSessions(
  db: HubDb,
  at: Date,
): Promise<{ handle: string; user_name: string; created_at: Date; last_seen_at: Date; expires_at: Date }[]> {
  const { rows } = await sql<{ handle: string; user_name: string; created_at: Date; last_seen_at: Date; expires_at: Date }>`
    select handle, user_name, created_at, last_seen_at, expires_at from console_sessions
    where revoked_at is null and expires_at > ${at} order by created_at desc limit 200`.execute(db);
  return rows;
}
