import DataLoader from 'dataloader';
import { grantedRegions } from '../../access/record-grant.js';
import { listChanges, type ChangeRow, type FeedPosition } from '../../store/change-feed-queries.js';
import { countRecordsByKindAndRegion, type RecordCountRow } from '../../store/record-statistics-queries.js';
import {
  countRecords,
  countRecordsForSubjects,
  findRecordsByIds,
  listHistoryForRecords,
  listRecords,
  listRecordsForSubjects,
  type RecordFilter,
  type RecordPage,
  type RecordPosition,
  type StoredHistoryEntry,
  type StoredRecord,
} from '../../store/record-queries.js';
import { byKey, type ReadScope } from './read-scope.js';

/** A change of the feed with the record it changed. */
export interface FeedChange {
  readonly change: ChangeRow;
  readonly record: StoredRecord;
}

/**
 * Reading records, their history and the change feed. Every method holds the client's record grant
 * (origin regions; repaired records only for their source agency and operators) and notes what it
 * returns in the audit log; a record outside the grant reads as absent.
 */
export interface RecordReads {
  /** One record, or null when it does not exist or the client may not read it. Batched per request. */
  readonly record: (id: number) => Promise<StoredRecord | null>;
  /** Drops a record read earlier in this request, after a write changed it (its status, so whether it is readable), so later fields read it anew. */
  readonly forgetRecord: (id: number) => void;
  /** A record's history, oldest first (the record itself was read, and its grant checked, through `record`). */
  readonly recordHistory: (id: number) => Promise<StoredHistoryEntry[]>;
  /** Those of `ids` the client may read, in their order; nothing is noted as read (content is read with `record`). */
  readonly readableRecordIds: (ids: readonly number[]) => Promise<number[]>;
  /** One page of a subject's records; pages of several subjects asked with the same arguments are one query. */
  readonly recordsOfSubject: (uscc: string, filter: RecordFilter, first: number, position: RecordPosition | undefined) => Promise<RecordPage<StoredRecord>>;
  readonly countRecordsOfSubject: (uscc: string, filter: RecordFilter) => Promise<number>;
  /** One page of records across subjects. */
  readonly records: (filter: RecordFilter, first: number, position: RecordPosition | undefined) => Promise<RecordPage<StoredRecord>>;
  readonly countRecords: (filter: RecordFilter) => Promise<number>;
  /** The change feed, limited to the records of the client's regions. */
  readonly changes: (position: FeedPosition | undefined, first: number) => Promise<{ rows: FeedChange[]; hasMore: boolean }>;
  /** Records by kind and origin region within the client's grant (no record or subject is read). */
  readonly recordCounts: () => Promise<RecordCountRow[]>;
}

interface SubjectRecordsKey {
  readonly uscc: string;
  readonly filter: RecordFilter;
  readonly first: number;
  readonly position: RecordPosition | undefined;
}

/** The answer when the grant leaves nothing to read: a new one each time, as callers own the pages they get. */
const noPage = (): RecordPage<StoredRecord> => ({ rows: [], hasMore: false });

/** Groups DataLoader keys that share every argument but the subject, so each group is one query. */
function groupBySubject<K extends { readonly uscc: string }>(keys: readonly K[]): Map<string, K[]> {
  const groups = new Map<string, K[]>();
  for (const key of keys) {
    // Every argument but the subject (JSON leaves out a property set to undefined).
    const group = JSON.stringify({ ...key, uscc: undefined });
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  return groups;
}

/**
 * A DataLoader of per-subject answers: keys asking the same question of different subjects are
 * answered by one `query` over all of their subjects.
 */
function perSubjectLoader<K extends { readonly uscc: string }, V>(
  query: (usccs: string[], sample: K) => Promise<Map<string, V>>,
  empty: V,
): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>(
    async (keys) => {
      const answers = new Map<string, V>();
      for (const group of groupBySubject(keys).values()) {
        const [sample] = group;
        if (!sample) continue;
        const result = await query(
          group.map((key) => key.uscc),
          sample,
        );
        for (const key of group) answers.set(JSON.stringify(key), result.get(key.uscc) ?? empty);
      }
      return keys.map((key) => answers.get(JSON.stringify(key)) ?? empty);
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
}

export function createRecordReads(scope: ReadScope): RecordReads {
  const { db } = scope;
  // Records as stored, whether the client may read them or not: only `readable` and `record` below use it, each applying the grant.
  const stored = new DataLoader<number, StoredRecord | null>(async (ids) => byKey(ids, await findRecordsByIds(db(), ids), (row) => row.id));
  const readable = async (id: number): Promise<StoredRecord | null> => {
    const row = await stored.load(id);
    return row && scope.mayRead(row) ? row : null;
  };
  const history = new DataLoader<number, StoredHistoryEntry[]>(async (ids) => {
    const byRecord = new Map<number, StoredHistoryEntry[]>();
    for (const row of await listHistoryForRecords(db(), ids)) {
      const entries = byRecord.get(row.record_id);
      if (entries) entries.push(row);
      else byRecord.set(row.record_id, [row]);
    }
    return ids.map((id) => byRecord.get(id) ?? []);
  });
  const subjectRecords = perSubjectLoader<SubjectRecordsKey, RecordPage<StoredRecord>>(async (usccs, { filter, first, position }) => {
    const pages = await listRecordsForSubjects(db(), usccs, filter, first, position);
    for (const page of pages.values()) scope.noteRecords(page.rows);
    return pages;
  }, noPage());
  const subjectRecordCounts = perSubjectLoader<{ uscc: string; filter: RecordFilter }, number>(
    (usccs, { filter }) => countRecordsForSubjects(db(), usccs, filter),
    0,
  );

  return {
    record: async (id) => {
      const row = await readable(id);
      if (row) scope.noteRecords([row]);
      return row;
    },
    forgetRecord: (id) => void stored.clear(id),
    recordHistory: (id) => history.load(id),
    readableRecordIds: async (ids) => {
      const rows = await Promise.all(ids.map(readable));
      return ids.filter((_, index) => rows[index]);
    },
    recordsOfSubject: async (uscc, filter, first, position) => {
      const granted = scope.withinGrant(filter);
      return granted ? subjectRecords.load({ uscc, filter: granted, first, position }) : noPage();
    },
    countRecordsOfSubject: async (uscc, filter) => {
      const granted = scope.withinGrant(filter);
      return granted ? subjectRecordCounts.load({ uscc, filter: granted }) : 0;
    },
    records: async (filter, first, position) => {
      const granted = scope.withinGrant(filter);
      if (!granted) return noPage();
      const page = await listRecords(db(), granted, first, position);
      scope.noteRecords(page.rows);
      return page;
    },
    countRecords: async (filter) => {
      const granted = scope.withinGrant(filter);
      return granted ? countRecords(db(), granted) : 0;
    },
    changes: async (position, first) => {
      const regions = grantedRegions(scope.grant, undefined);
      if (regions?.length === 0) return { rows: [], hasMore: false };
      const page = await listChanges(db(), regions ?? [], position, first);
      const rows = (await findRecordsByIds(db(), [...new Set(page.rows.map((row) => row.record_id))])).filter(scope.regionGranted);
      const byId = new Map(scope.noteRecords(rows).map((row) => [row.id, row]));
      return {
        ...page,
        rows: page.rows.flatMap((change) => {
          const record = byId.get(change.record_id);
          return record ? [{ change, record }] : [];
        }),
      };
    },
    recordCounts: async () => {
      const regions = grantedRegions(scope.grant, undefined);
      return regions?.length === 0 ? [] : countRecordsByKindAndRegion(db(), regions ?? []);
    },
  };
}
