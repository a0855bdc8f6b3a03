import type { HubDb } from '../store/database.js';
import { listUsccOverrides } from '../store/quarantine-queries.js';

/**
 * USCCs whose failing check digit is accepted now: the configured allow-list and every override an
 * operator has stored (releaseQuarantinedRecord). Read once per batch: one small query.
 */
export async function acceptedChecksumFailures(db: HubDb, allowList: ReadonlySet<string>): Promise<ReadonlySet<string>> {
  const overrides = await listUsccOverrides(db);
  return overrides.length === 0 ? allowList : new Set([...allowList, ...overrides]);
}
