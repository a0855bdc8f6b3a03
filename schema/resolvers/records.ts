import type { StoredRecord } from '../../store/record-queries.js';
import type { HubContext } from '../context.js';
import { decodeCursor, encodeCursor, isDateIdTuple, pageSize, parseId, toConnection } from '../pagination.js';
import { recordView, type RecordView } from '../record-view.js';
import { toRecordFilter, type RecordFilterInput } from './filters.js';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export const recordCursor = (row: StoredRecord): string => encodeCursor([row.event_date, row.id]);

export function recordPosition(after: string | null | undefined) {
  const tuple = decodeCursor(after, isDateIdTuple);
  return tuple ? { eventDate: tuple[0], id: tuple[1] } : undefined;
}

export function recordConnection(rows: readonly StoredRecord[], hasMore: boolean, count: () => Promise<number>) {
  const connection = toConnection(rows, hasMore, recordCursor, count);
  return { ...connection, edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: recordView(edge.node) })) };
}

export const recordResolvers = {
  Query: {
    records: async (_: unknown, args: PageArgs & { filter?: RecordFilterInput | null }, { readers }: HubContext) => {
      const filter = toRecordFilter(args.filter);
      const first = pageSize(args.first);
      const page = await readers.records.records(filter, first, recordPosition(args.after));
      return recordConnection(page.rows, page.hasMore, () => readers.records.countRecords(filter));
    },
    record: async (_: unknown, args: { id: string }, { readers }: HubContext) => {
      const row = await readers.records.record(parseId(args.id, 'record id'));
      return row ? recordView(row) : null;
    },
  },
  Record: {
    agency: (record: RecordView, _: unknown, { readers }: HubContext) => readers.agencies.agency(record.agencyCode),
    subject: (record: RecordView, _: unknown, { readers }: HubContext) => (record.subjectUscc ? readers.subjects.subject(record.subjectUscc) : null),
    history: async (record: RecordView, _: unknown, { readers }: HubContext) => {
      const entries = await readers.records.recordHistory(Number(record.id));
      return entries.map((entry) => ({
        sequence: String(entry.seq),
        change: entry.change,
        previousStatus: entry.old_status,
        status: entry.new_status,
        previousContentHash: entry.old_hash,
        contentHash: entry.new_hash,
        changedBy: entry.changed_by,
        changedAt: entry.changed_at,
      }));
    },
  },
};
