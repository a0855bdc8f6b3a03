import type { HubDb } from './database.js';

export async function readWatermark(db: HubDb, agencyCode: string, connector: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('connector_state')
    .select('watermark')
    .where('agency_code', '=', agencyCode)
    .where('connector', '=', connector)
    .executeTakeFirst();
  return row?.watermark;
}

/** Saves a connector's watermark; call it inside the transaction that stores the data it covers. */
export async function saveWatermark(trx: HubDb, agencyCode: string, connector: string, watermark: string, now: Date): Promise<void> {
  await trx
    .insertInto('connector_state')
    .values({ agency_code: agencyCode, connector, watermark })
    .onConflict((oc) => oc.columns(['agency_code', 'connector']).doUpdateSet({ watermark, updated_at: now }))
    .execute();
}
