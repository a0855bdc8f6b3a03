import { sql } from 'kysely';
import type { HubDb } from './database.js';

export interface ModelVersionRow {
  readonly version: string;
  readonly fingerprint: string;
  readonly firstSeenAt: Date;
  readonly activatedAt: Date | null;
  readonly activatedBy: string | null;
}

export async function listModelVersions(db: HubDb): Promise<ModelVersionRow[]> {
  const rows = await db.selectFrom('credit_model_versions').selectAll().orderBy('version').execute();
  return rows.map((r) => ({
    version: r.version,
    fingerprint: r.fingerprint,
    firstSeenAt: r.first_seen_at,
    activatedAt: r.activated_at,
    activatedBy: r.activated_by,
  }));
}

/** Records a version the hub sees for the first time; a version already known is left as it is. */
export async function insertModelVersion(db: HubDb, version: string, fingerprint: string, at: Date): Promise<void> {
  await db
    .insertInto('credit_model_versions')
    .values({ version, fingerprint, first_seen_at: at })
    .onConflict((oc) => oc.column('version').doNothing())
    .execute();
}

/** The active version: the one activated last, or undefined when none ever was. */
export async function findActiveModelVersion(db: HubDb): Promise<string | undefined> {
  const row = await db
    .selectFrom('credit_model_versions')
    .select('version')
    .where('activation_seq', 'is not', null)
    .orderBy('activation_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.version;
}

/** Marks a known version activated now by `by`; false when the version is unknown. */
export async function markModelVersionActive(db: HubDb, version: string, by: string, at: Date): Promise<boolean> {
  const result =
    await sql`update credit_model_versions set activated_at = ${at}, activated_by = ${by}, activation_seq = nextval('credit_model_activation_seq') where version = ${version}`.execute(
      db,
    );
  return Number(result.numAffectedRows ?? 0) > 0;
}
