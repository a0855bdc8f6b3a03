import { countAgencyLog, pageAgencyLog } from './agency-log-pager.js';
import type { HubDb } from './database.js';

/** An agency's ingestion batches, newest first, keyset-paginated by id. */
export function listBatches(db: HubDb, agencyCode: string, first: number, afterId: number | undefined) {
  return pageAgencyLog(db.selectFrom('ingestion_batches').selectAll(), agencyCode, first, afterId);
}
export type BatchRow = Awaited<ReturnType<typeof listBatches>>['rows'][number];

export function countBatches(db: HubDb, agencyCode: string): Promise<number> {
  return countAgencyLog(db.selectFrom('ingestion_batches'), agencyCode);
}
