import DataLoader from 'dataloader';
import type { HubDb } from '../store/database.js';
import { findAgencies, listAgencies, type AgencyRow } from '../store/agency-queries.js';
import { countBatches, listBatches } from '../store/batch-queries.js';
import { countConnectorRuns, listConnectorRuns } from '../store/connector-run-queries.js';
import { countQuarantine, listQuarantine } from '../store/quarantine-queries.js';
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
} from '../store/record-queries.js';
import { countSubjectsByName, findSubjects, searchSubjectsByName, type SubjectPosition, type SubjectRow } from '../store/subject-queries.js';

interface SubjectRecordsKey {
  readonly uscc: string;
  readonly filter: RecordFilter;
  readonly first: number;
  readonly position: RecordPosition | undefined;
}

/** Groups DataLoader keys that share every argument but the subject, so each group is one query. */
function groupBySubject<K extends { readonly uscc: string }>(keys: readonly K[]): Map<string, K[]> {
  const groups = new Map<string, K[]>();
  for (const key of keys) {
    const { uscc: _uscc, ...shared } = key;
    const group = JSON.stringify(shared);
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  return groups;
}

function byKey<K, V>(keys: readonly K[], rows: readonly V[], keyOf: (row: V) => K): (V | null)[] {
  const index = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => index.get(key) ?? null);
}

/**
 * Every read the GraphQL layer makes goes through here, one instance per request: DataLoaders
 * batch lookups (no N+1), and this is the single place to authorise and audit data access.
 */
export function createReaders(db: HubDb) {
  const subjects = new DataLoader<string, SubjectRow | null>(async (usccs) => byKey(usccs, await findSubjects(db, usccs), (s) => s.uscc));
  const agencies = new DataLoader<string, AgencyRow | null>(async (codes) => byKey(codes, await findAgencies(db, codes), (a) => a.code));
  const records = new DataLoader<number, StoredRecord | null>(async (ids) => byKey(ids, await findRecordsByIds(db, ids), (r) => r.id));
  const history = new DataLoader<number, StoredHistoryEntry[]>(async (ids) => {
    const rows = await listHistoryForRecords(db, ids);
    return ids.map((id) => rows.filter((row) => row.record_id === id));
  });
  const subjectRecords = new DataLoader<SubjectRecordsKey, RecordPage<StoredRecord>, string>(
    async (keys) => {
      // Keys asking for the same page of different subjects share one lateral query.
      const pages = new Map<string, RecordPage<StoredRecord>>();
      for (const group of groupBySubject(keys).values()) {
        const sample = group[0]!;
        const result = await listRecordsForSubjects(db, group.map((k) => k.uscc), sample.filter, sample.first, sample.position);
        for (const key of group) pages.set(JSON.stringify(key), result.get(key.uscc) ?? { rows: [], hasMore: false });
      }
      return keys.map((key) => pages.get(JSON.stringify(key)) ?? { rows: [], hasMore: false });
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
  const subjectRecordCounts = new DataLoader<{ uscc: string; filter: RecordFilter }, number, string>(
    async (keys) => {
      const counts = new Map<string, number>();
      for (const group of groupBySubject(keys).values()) {
        const result = await countRecordsForSubjects(db, group.map((k) => k.uscc), group[0]!.filter);
        for (const key of group) counts.set(JSON.stringify(key), result.get(key.uscc) ?? 0);
      }
      return keys.map((key) => counts.get(JSON.stringify(key)) ?? 0);
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  return {
    subject: (uscc: string) => subjects.load(uscc),
    agency: (code: string) => agencies.load(code),
    allAgencies: () => listAgencies(db),
    record: (id: number) => records.load(id),
    recordHistory: (id: number) => history.load(id),
    recordsOfSubject: (uscc: string, filter: RecordFilter, first: number, position: RecordPosition | undefined) =>
      subjectRecords.load({ uscc, filter, first, position }),
    countRecordsOfSubject: (uscc: string, filter: RecordFilter) => subjectRecordCounts.load({ uscc, filter }),
    records: (filter: RecordFilter, first: number, position: RecordPosition | undefined) => listRecords(db, filter, first, position),
    countRecords: (filter: RecordFilter) => countRecords(db, filter),
    searchSubjects: (fragment: string, first: number, position: SubjectPosition | undefined) => searchSubjectsByName(db, fragment, first, position),
    countSubjects: (fragment: string) => countSubjectsByName(db, fragment),
    quarantine: (agencyCode: string, status: string, first: number, afterId: number | undefined) => listQuarantine(db, agencyCode, status, first, afterId),
    countQuarantine: (agencyCode: string, status: string) => countQuarantine(db, agencyCode, status),
    batches: (agencyCode: string, first: number, afterId: number | undefined) => listBatches(db, agencyCode, first, afterId),
    countBatches: (agencyCode: string) => countBatches(db, agencyCode),
    connectorRuns: (agencyCode: string, first: number, afterId: number | undefined) => listConnectorRuns(db, agencyCode, first, afterId),
    countConnectorRuns: (agencyCode: string) => countConnectorRuns(db, agencyCode),
  };
}
export type Readers = ReturnType<typeof createReaders>;
