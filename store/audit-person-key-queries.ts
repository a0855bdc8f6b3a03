import type { HubDb } from './database.js';

/**
 * The hub's key for persons' keyed hashes: stores `candidate` when there is none yet (first start;
 * several processes starting at once keep the first stored) and returns the one stored.
 */
export async function ensureAuditPersonKey(db: HubDb, candidate: Uint8Array): Promise<Uint8Array> {
  await db
    .insertInto('audit_person_key')
    .values({ key: candidate })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await db.selectFrom('audit_person_key').select('key').executeTakeFirstOrThrow();
  return row.key;
}
