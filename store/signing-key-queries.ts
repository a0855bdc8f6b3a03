import { sql } from 'kysely';
import { inTransaction, type HubDb } from './database.js';

export interface SigningKeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly public_jwk: unknown;
  readonly activated_at: Date;
  readonly retired_at: Date | null;
}

/** Every key the hub has had, the active one first, then newest first; public halves only. */
export async function listSigningKeys(db: HubDb): Promise<SigningKeyRow[]> {
  return (
    db
      .selectFrom('hub_signing_keys')
      .select(['kid', 'alg', 'public_jwk', 'activated_at', 'retired_at'])
      // Activation times may be equal (the hub's clock is injected and may stand still), so which key is active decides first.
      .orderBy(sql`retired_at is null`, 'desc')
      .orderBy('activated_at', 'desc')
      .orderBy('kid', 'desc')
      .execute()
  );
}

/** The private half of the active key (the newest not retired), or undefined before the first. */
export async function findActivePrivateKey(db: HubDb): Promise<{ kid: string; alg: string; private_jwk: unknown } | undefined> {
  return db
    .selectFrom('hub_signing_keys')
    .select(['kid', 'alg', 'private_jwk'])
    .where('retired_at', 'is', null)
    .orderBy('activated_at', 'desc')
    .orderBy('kid', 'desc')
    .executeTakeFirst();
}

/**
 * Makes a new key the active one and retires the others, in one transaction: from now on the new key
 * signs; retired keys still verify what they signed. With `onlyIfNone`, does nothing when an active
 * key exists (first start of several processes at once) and returns false.
 */
export async function activateSigningKey(
  db: HubDb,
  key: { kid: string; alg: string; publicJwk: object; privateJwk: object },
  now: Date,
  onlyIfNone = false,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('hub_signing_keys'))`.execute(trx);
    const active = await trx.selectFrom('hub_signing_keys').select('kid').where('retired_at', 'is', null).execute();
    if (onlyIfNone && active.length > 0) return false;
    await trx.updateTable('hub_signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
    await trx
      .insertInto('hub_signing_keys')
      .values({ kid: key.kid, alg: key.alg, public_jwk: JSON.stringify(key.publicJwk), private_jwk: JSON.stringify(key.privateJwk), activated_at: now })
      .execute();
    return true;
  });
}
