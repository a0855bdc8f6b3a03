import type { GraphQLError } from 'graphql';
import { isAdmin, type Principal } from '../../access/clients.js';
import { grantCovers, grantedRegions, recordGrantOf, type RecordGrant } from '../../access/record-grant.js';
import type { AuditTrail, NotedRecord } from '../../audit/audit-trail.js';
import type { CheckpointDeps } from '../../audit/checkpoints.js';
import type { HubDb } from '../../store/database.js';
import type { RecordFilter } from '../../store/record-queries.js';
import type { SubjectRow } from '../../store/subject-queries.js';

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

/**
 * One request's reading context, shared by the per-area read services: the pool its price put it on,
 * the client's record grant, and the audit trail every read is noted in. The grant rules are here
 * once, so every area applies the same ones.
 */
export interface ReadScope {
  readonly access: ReadAccess;
  /** The pool this request reads through: the heavy lane once its price put it there. */
  readonly db: () => HubDb;
  readonly grant: RecordGrant;
  /** The filter narrowed to the records the client may read (grant regions, repaired records); undefined when it may read none of them. */
  readonly withinGrant: (filter: RecordFilter) => RecordFilter | undefined;
  /** Whether the client may read this record: its origin region is granted, and a REPAIRED record only by its source agency or an operator. */
  readonly mayRead: (row: { readonly origin_region: string; readonly status: string; readonly agency_code: string }) => boolean;
  /** Whether a record's origin region is within the grant (the change feed also shows repaired records' changes). */
  readonly regionGranted: (row: { readonly origin_region: string }) => boolean;
  /** Notes records as read for the audit log and returns them. */
  readonly noteRecords: <R extends NotedRecord>(rows: readonly R[]) => R[];
  /** Notes subjects as read for the audit log and returns them. */
  readonly noteSubjects: (rows: readonly SubjectRow[]) => SubjectRow[];
}

export function createReadScope(pools: ReadPools, access: ReadAccess): ReadScope {
  const grant = recordGrantOf(access.principal);
  // A REPAIRED record has left public view: only its source agency and operators list it, by asking for it by status.
  const repairedOf: RecordFilter['repairedOf'] = isAdmin(access.principal) ? 'ALL' : access.principal.agencyCode ? [access.principal.agencyCode] : [];
  const regionGranted = (row: { readonly origin_region: string }) => grantCovers(grant, row.origin_region);
  return {
    access,
    db: () => (access.lane.heavy ? pools.heavy : pools.standard),
    grant,
    withinGrant: (filter) => {
      const originRegions = grantedRegions(grant, filter.originRegions);
      return originRegions?.length === 0 ? undefined : { ...filter, originRegions, repairedOf };
    },
    regionGranted,
    mayRead: (row) => regionGranted(row) && (row.status !== 'REPAIRED' || repairedOf === 'ALL' || repairedOf.includes(row.agency_code)),
    noteRecords: (rows) => {
      for (const row of rows) access.trail.noteRecord(row);
      return [...rows];
    },
    noteSubjects: (rows) => {
      for (const row of rows) access.trail.noteSubject(row.uscc);
      return [...rows];
    },
  };
}

/** Matches rows to the keys a DataLoader asked for, in the keys' order (null for a key without a row). */
export function byKey<K, V>(keys: readonly K[], rows: readonly V[], keyOf: (row: V) => K): (V | null)[] {
  const index = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => index.get(key) ?? null);
}

/** One keyset page of rows, and whether more follow. */
export interface Page<T> {
  readonly rows: T[];
  readonly hasMore: boolean;
}
