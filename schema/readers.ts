import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { isAdmin, type Principal } from '../access/clients.js';
import { grantCovers, grantedRegions, recordGrantOf } from '../access/record-grant.js';
import { proveInclusion, signCheckpoint, type CheckpointDeps } from '../audit/checkpoints.js';
import { buildCreditReport } from '../credit/credit-report.js';
import {
  countGradesByClass,
  findGrades,
  listGradeHistory,
  listRecordFactsInForce,
  type DistributionFilter,
  type StoredGrade,
} from '../store/credit-read-queries.js';
import { findActiveModelVersion } from '../store/credit-model-queries.js';
import { chinaToday } from '../ingestion/dates.js';
import { findAuditEntry, listAuditEntries, type AuditFilter } from '../store/audit-queries.js';
import { countRecordsByKindAndRegion } from '../store/record-statistics-queries.js';
import { findValidAuthorization, listAuthorizations } from '../store/authorization-queries.js';
import { listChanges, type FeedPosition } from '../store/change-feed-queries.js';
import { findClient, listClients } from '../store/client-queries.js';
import type { HubDb } from '../store/database.js';
import { findAgencies, listAgencies, type AgencyRow } from '../store/agency-queries.js';
import { countBatches, listBatches } from '../store/batch-queries.js';
import { connectorHealth, countConnectorRuns, listConnectorRuns } from '../store/connector-run-queries.js';
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
import type { AuditTrail, NotedRecord } from '../audit/audit-trail.js';
import { forbidden, notFound } from './errors.js';

/** Who is reading, why, and where their reads are noted for the audit log. */
export interface ReadAccess {
  readonly principal: Principal;
  readonly purpose: string;
  readonly trail: AuditTrail<GraphQLError>;
  readonly clock: () => Date;
  readonly checkpoints: CheckpointDeps;
  /** Set by request pricing: an expensive request reads through the heavy pool (see ReadPools). */
  readonly lane: { heavy: boolean };
}

/**
 * Where reads go: `standard` for most requests; `heavy`, a pool of one connection, for requests
 * priced over `limits.pricePerRequest`, so expensive requests take turns on one database connection
 * and never the connections (and cores) that everyone else's requests need.
 */
export interface ReadPools {
  readonly standard: HubDb;
  readonly heavy: HubDb;
}

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
    // Every argument but the subject (JSON leaves out a property set to undefined).
    const group = JSON.stringify({ ...key, uscc: undefined });
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
 * batch lookups (no N+1), and this is the single place that checks data-level access (the client's
 * record grant on every path that reaches a record, a bank's authorisation, a client's own audit
 * entries) and notes what was read for the audit log.
 * Root-field access (scopes, own agency) is decided before, in policy.ts.
 */
export function createReaders(pools: ReadPools, access: ReadAccess) {
  /** The pool this request reads through: the heavy lane once its price put it there. */
  const db = (): HubDb => (access.lane.heavy ? pools.heavy : pools.standard);
  const { trail } = access;
  const grant = recordGrantOf(access.principal);
  /** The filter narrowed to the records the client may read; undefined when it may read none of them. */
  // A REPAIRED record has left public view: only its source agency and operators list it, by asking for it by status.
  const repairedOf: RecordFilter['repairedOf'] = isAdmin(access.principal) ? 'ALL' : access.principal.agencyCode ? [access.principal.agencyCode] : [];
  const repairedVisible = (row: { status: string; agency_code: string }): boolean =>
    row.status !== 'REPAIRED' || repairedOf === 'ALL' || repairedOf.includes(row.agency_code);
  const withinGrant = (filter: RecordFilter): RecordFilter | undefined => {
    const originRegions = grantedRegions(grant, filter.originRegions);
    return originRegions?.length === 0 ? undefined : { ...filter, originRegions, repairedOf };
  };
  const visible = <R extends { origin_region: string }>(row: R | null): R | null => (row && grantCovers(grant, row.origin_region) ? row : null);
  const noPage: RecordPage<StoredRecord> = { rows: [], hasMore: false };
  const noteRecords = <R extends NotedRecord>(rows: readonly R[]): R[] => {
    for (const row of rows) trail.noteRecord(row);
    return rows as R[];
  };
  const noteSubjects = (rows: readonly SubjectRow[]) => {
    for (const row of rows) trail.noteSubject(row.uscc);
    return rows as SubjectRow[];
  };
  const subjects = new DataLoader<string, SubjectRow | null>(async (usccs) => byKey(usccs, noteSubjects(await findSubjects(db(), usccs)), (s) => s.uscc));
  let activeModel: Promise<string | undefined> | undefined;
  const grades = new DataLoader<string, StoredGrade | null>(async (usccs) => byKey(usccs, await findGrades(db(), usccs), (g) => g.subject_uscc));
  const agencies = new DataLoader<string, AgencyRow | null>(async (codes) => byKey(codes, await findAgencies(db(), codes), (a) => a.code));
  const records = new DataLoader<number, StoredRecord | null>(async (ids) => {
    const rows = (await findRecordsByIds(db(), ids)).filter((row) => visible(row) && repairedVisible(row));
    return byKey(ids, noteRecords(rows), (r) => r.id);
  });
  // Whether the client may read a record, without reading it for the client (nothing is noted): what an explanation leaves out.
  const readable = new DataLoader<number, boolean>(async (ids) => {
    const allowed = new Set((await findRecordsByIds(db(), ids)).filter((row) => visible(row) && repairedVisible(row)).map((row) => row.id));
    return ids.map((id) => allowed.has(id));
  });
  const history = new DataLoader<number, StoredHistoryEntry[]>(async (ids) => {
    const byRecord = new Map<number, StoredHistoryEntry[]>();
    for (const row of await listHistoryForRecords(db(), ids)) {
      const entries = byRecord.get(row.record_id);
      if (entries) entries.push(row);
      else byRecord.set(row.record_id, [row]);
    }
    return ids.map((id) => byRecord.get(id) ?? []);
  });
  const subjectRecords = new DataLoader<SubjectRecordsKey, RecordPage<StoredRecord>, string>(
    async (keys) => {
      // Keys asking for the same page of different subjects share one lateral query.
      const pages = new Map<string, RecordPage<StoredRecord>>();
      for (const group of groupBySubject(keys).values()) {
        const [sample] = group;
        if (!sample) continue;
        const result = await listRecordsForSubjects(
          db(),
          group.map((k) => k.uscc),
          sample.filter,
          sample.first,
          sample.position,
        );
        for (const page of result.values()) noteRecords(page.rows);
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
        const [sample] = group;
        if (!sample) continue;
        const result = await countRecordsForSubjects(
          db(),
          group.map((k) => k.uscc),
          sample.filter,
        );
        for (const key of group) counts.set(JSON.stringify(key), result.get(key.uscc) ?? 0);
      }
      return keys.map((key) => counts.get(JSON.stringify(key)) ?? 0);
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  return {
    subject: (uscc: string) => subjects.load(uscc),
    agency: (code: string) => agencies.load(code),
    allAgencies: () => listAgencies(db()),
    record: (id: number) => records.load(id),
    /** Drops a record read earlier in this request, after a write changed it, so later fields read it anew. */
    forgetRecord: (id: number) => void records.clear(id),
    recordHistory: (id: number) => history.load(id),
    /** Those of `ids` the client may read (record grant, repaired records), in their order; their content is read with `record`. */
    readableRecordIds: async (ids: readonly number[]) => {
      const flags = await Promise.all(ids.map((id) => readable.load(id)));
      return ids.filter((_, index) => flags[index]);
    },
    recordsOfSubject: async (uscc: string, filter: RecordFilter, first: number, position: RecordPosition | undefined) => {
      const granted = withinGrant(filter);
      return granted ? subjectRecords.load({ uscc, filter: granted, first, position }) : noPage;
    },
    countRecordsOfSubject: async (uscc: string, filter: RecordFilter) => {
      const granted = withinGrant(filter);
      return granted ? subjectRecordCounts.load({ uscc, filter: granted }) : 0;
    },
    records: async (filter: RecordFilter, first: number, position: RecordPosition | undefined) => {
      const granted = withinGrant(filter);
      if (!granted) return noPage;
      const page = await listRecords(db(), granted, first, position);
      noteRecords(page.rows);
      return page;
    },
    countRecords: async (filter: RecordFilter) => {
      const granted = withinGrant(filter);
      return granted ? countRecords(db(), granted) : 0;
    },
    searchSubjects: async (fragment: string, first: number, position: SubjectPosition | undefined) => {
      const page = await searchSubjectsByName(db(), fragment, first, position);
      noteSubjects(page.rows);
      return page;
    },
    countSubjects: (fragment: string) => countSubjectsByName(db(), fragment),
    quarantine: (agencyCode: string, status: string, first: number, afterId: number | undefined) => listQuarantine(db(), agencyCode, status, first, afterId),
    countQuarantine: (agencyCode: string, status: string) => countQuarantine(db(), agencyCode, status),
    batches: (agencyCode: string, first: number, afterId: number | undefined) => listBatches(db(), agencyCode, first, afterId),
    countBatches: (agencyCode: string) => countBatches(db(), agencyCode),
    connectorRuns: (agencyCode: string, first: number, afterId: number | undefined) => listConnectorRuns(db(), agencyCode, first, afterId),
    countConnectorRuns: (agencyCode: string) => countConnectorRuns(db(), agencyCode),
    connectorHealth: (agencyCode: string) => connectorHealth(db(), agencyCode),

    /** A bank's report on a subject, refused (FORBIDDEN, NO_AUTHORIZATION) without an authorisation in force for this purpose. */
    creditReport: async (uscc: string) => {
      trail.noteSubject(uscc);
      const authorization = isAdmin(access.principal)
        ? undefined
        : await findValidAuthorization(db(), uscc, access.principal.clientId, access.purpose, chinaToday(access.clock()));
      if (!authorization && !isAdmin(access.principal)) {
        trail.noteDenial('NO_AUTHORIZATION');
        throw forbidden(
          'NO_AUTHORIZATION',
          `enterprise ${uscc} has not authorised client ${access.principal.clientId} for purpose ${access.purpose}, or the authorisation has expired or been revoked`,
        );
      }
      if (authorization) trail.noteAuthorization(authorization.id);
      const report = await buildCreditReport(db(), uscc);
      if (!report) throw notFound(`no records of subject ${uscc} are held by this hub`);
      for (const entry of report.entries) trail.noteReturned(`kind:${entry.kind}`);
      return { ...report, authorization };
    },
    authorizations: async (uscc: string) => {
      trail.noteSubject(uscc);
      return listAuthorizations(db(), uscc);
    },
    /** The change feed, limited to the records the client may read (its regions). */
    changes: async (position: FeedPosition | undefined, first: number) => {
      const regions = grantedRegions(grant, undefined);
      if (regions?.length === 0) return { rows: [], hasMore: false };
      const page = await listChanges(db(), regions ?? [], position, first);
      const rows = (await findRecordsByIds(db(), [...new Set(page.rows.map((row) => row.record_id))])).filter((row) => visible(row));
      noteRecords(rows);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return {
        ...page,
        rows: page.rows.flatMap((change) => {
          const record = byId.get(change.record_id);
          return record ? [{ change, record }] : [];
        }),
      };
    },
    /** An enterprise's current grade (null: not graded yet); the subject is noted as read. */
    creditGrade: (uscc: string) => {
      trail.noteSubject(uscc);
      return grades.load(uscc);
    },
    gradeHistory: (uscc: string, first: number, beforeId: number | undefined) => {
      trail.noteSubject(uscc);
      return listGradeHistory(db(), uscc, first, beforeId);
    },
    gradeDistribution: (filter: DistributionFilter) => countGradesByClass(db(), filter),
    /** The active credit model version, read once per request. */
    activeModelVersion: () => (activeModel ??= findActiveModelVersion(db())),
    /** Ids, kinds and penalty types of an enterprise's records in force today: what measures decide on. Their content is read with `record` (the record grant). */
    recordFactsInForce: (uscc: string, kinds: readonly string[]) => {
      trail.noteSubject(uscc);
      return listRecordFactsInForce(db(), uscc, kinds, chinaToday(access.clock()));
    },
    clients: () => listClients(db()),
    client: (id: string) => findClient(db(), id),
    auditLog: (filter: AuditFilter, first: number, beforeSeq: number | undefined) => {
      if (filter.subject) trail.noteSubject(filter.subject);
      return listAuditEntries(db(), filter, first, beforeSeq);
    },
    auditCheckpoint: () => signCheckpoint(access.checkpoints),
    /** Records by kind and origin region, within the client's record grant (no subject is read). */
    recordCounts: async () => {
      const regions = grantedRegions(grant, undefined);
      return regions?.length === 0 ? [] : countRecordsByKindAndRegion(db(), regions ?? []);
    },
    /** An inclusion proof of one of the client's own entries (admins: any entry). */
    auditProof: async (seq: number) => {
      const entry = await findAuditEntry(db(), seq);
      if (!entry) throw notFound(`audit entry ${seq} does not exist`);
      if (entry.client_id !== access.principal.clientId && !isAdmin(access.principal)) {
        trail.noteDenial('NOT_OWN_ENTRY');
        throw forbidden('NOT_OWN_ENTRY', `audit entry ${seq} records another client's request; a client may prove only its own entries`);
      }
      const proof = await proveInclusion(access.checkpoints, seq);
      if (!proof) throw notFound(`audit entry ${seq} is not covered by a checkpoint yet`);
      return { ...proof, entry };
    },
  };
}
export type Readers = ReturnType<typeof createReaders>;
