import type { Logger } from 'pino';
import { chinaToday } from '../ingestion/dates.js';
import type { HubDb } from '../store/database.js';
import { expireDueRecords } from '../store/expiry-writes.js';
import { withLease, type LeasedResult } from './with-lease.js';

export interface ExpireRecordsDeps {
  readonly db: HubDb;
  readonly clock: () => Date;
  readonly logger: Logger;
}

export const EXPIRE_RECORDS_JOB = 'expire-records';

/**
 * Expires records whose validity, publication period or list membership has ended by today
 * (China time). History keeps every status change; nothing is pruned. Skipped (ran: false) when
 * another process is running it.
 */
export async function runExpireRecords(deps: ExpireRecordsDeps): Promise<LeasedResult<{ expired: number }>> {
  const today = chinaToday(deps.clock());
  const outcome = await withLease(deps.db, `job:${EXPIRE_RECORDS_JOB}`, async () => ({
    expired: await expireDueRecords(deps.db, today, `job:${EXPIRE_RECORDS_JOB}`),
  }));
  if (outcome.ran) deps.logger.info({ job: EXPIRE_RECORDS_JOB, today, ...outcome.result }, 'records expired');
  else deps.logger.info({ job: EXPIRE_RECORDS_JOB }, 'skipped: running in another hub process');
  return outcome;
}
