import { regionOf } from '../../ingestion/regions.js';
import type { HubContext } from '../context.js';

/** At most one row per record kind and origin region: the price bound of Query.recordCounts. */
export const MAX_RECORD_COUNT_ROWS = 200;

/** Counts of records, for overviews; no subject is read, so none is noted on the audit trail. */
export const statisticsResolvers = {
  Query: {
    recordCounts: async (_: unknown, _args: unknown, context: HubContext) => {
      const rows = await context.readers.records.recordCounts();
      return rows.slice(0, MAX_RECORD_COUNT_ROWS).map((row) => ({ kind: row.kind, region: regionOf(row.origin_region), active: row.active, count: row.total }));
    },
  },
};
