import type { HubDb } from './database.js';

export interface AgencyRow {
  readonly code: string;
  readonly name: string;
  readonly region: string;
  readonly hub: string;
}

export async function findAgency(db: HubDb, code: string): Promise<AgencyRow | undefined> {
  return db.selectFrom('agencies').select(['code', 'name', 'region', 'hub']).where('code', '=', code).executeTakeFirst();
}

export async function findAgencies(db: HubDb, codes: readonly string[]): Promise<AgencyRow[]> {
  if (codes.length === 0) return [];
  return db.selectFrom('agencies').select(['code', 'name', 'region', 'hub']).where('code', 'in', codes).execute();
}

export async function listAgencies(db: HubDb): Promise<AgencyRow[]> {
  return db.selectFrom('agencies').select(['code', 'name', 'region', 'hub']).orderBy('code').execute();
}

/** Registers agencies from configuration, updating names and regions that changed. */
export async function upsertAgencies(db: HubDb, agencies: readonly AgencyRow[], now: Date): Promise<void> {
  if (agencies.length === 0) return;
  await db
    .insertInto('agencies')
    .values(agencies.map((a) => ({ code: a.code, name: a.name, region: a.region, hub: a.hub })))
    .onConflict((oc) =>
      oc.column('code').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        region: eb.ref('excluded.region'),
        hub: eb.ref('excluded.hub'),
        updated_at: now,
      })),
    )
    .execute();
}
