import { releaseQuarantinedRecord } from '../../ingestion/release-quarantine.js';
import { regionOf } from '../../ingestion/regions.js';
import type { AgencyRow } from '../../store/agency-queries.js';
import type { BatchRow } from '../../store/batch-queries.js';
import type { ConnectorRunRow } from '../../store/connector-run-queries.js';
import type { AgencyReads } from '../readers/index.js';
import type { QuarantineListRow } from '../../store/quarantine-queries.js';
import { findQuarantineEntry } from '../../store/quarantine-queries.js';
import type { HubContext } from '../context.js';
import { notFound } from '../errors.js';
import { decodeCursor, encodeCursor, isNumberTuple, pageSize, parseId, toConnection } from '../pagination.js';
import type { PageArgs } from './records.js';

function quarantineView(row: QuarantineListRow) {
  return {
    id: String(row.id),
    agencyCode: row.agency_code,
    sourceRecordId: row.source_record_id,
    kind: row.kind,
    connector: row.connector,
    status: row.status,
    reasons: row.reasons,
    resolution: row.resolution,
    receivedAt: row.created_at,
  };
}

function batchView(row: BatchRow) {
  return {
    id: String(row.id),
    agencyCode: row.agency_code,
    source: row.source,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    received: row.received,
    inserted: row.inserted,
    updated: row.updated,
    unchanged: row.unchanged,
    rejected: row.rejected,
  };
}

function connectorRunView(row: ConnectorRunRow) {
  const { id, agency_code, started_at, finished_at, failure_reason, watermark_before, watermark_after, ...rest } = row;
  return {
    ...rest,
    id: String(id),
    agencyCode: agency_code,
    startedAt: started_at,
    finishedAt: finished_at,
    failureReason: failure_reason,
    watermarkBefore: watermark_before,
    watermarkAfter: watermark_after,
  };
}

/** A page of one of an agency's logs (quarantine, batches, connector runs), newest first by id. */
async function agencyLog<Row extends { id: number }, View>(
  agencies: AgencyReads,
  args: PageArgs & { agencyCode: string },
  list: (agencyCode: string, first: number, afterId: number | undefined) => Promise<{ rows: Row[]; hasMore: boolean }>,
  count: (agencyCode: string) => Promise<number>,
  view: (row: Row) => View,
) {
  const agency = await agencies.agency(args.agencyCode);
  if (!agency) throw notFound(`agency ${args.agencyCode.slice(0, 40)} is not registered`);
  const first = pageSize(args.first);
  const after = decodeCursor(args.after, isNumberTuple);
  const page = await list(agency.code, first, after?.[0]);
  const connection = toConnection(
    page.rows,
    page.hasMore,
    (row) => encodeCursor([row.id]),
    () => count(agency.code),
  );
  return { ...connection, edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: view(edge.node) })) };
}

export const agencyResolvers = {
  Query: {
    connectors: async (_: unknown, args: { agencyCode: string }, { connectors, readers }: HubContext) => {
      const health = await readers.agencies.connectorHealth(args.agencyCode);
      return connectors.list(args.agencyCode).map((connector) => {
        const status = health.get(connector.name);
        const consecutiveFailures = status?.consecutiveFailures ?? 0;
        return {
          ...connector,
          consecutiveFailures,
          healthy: consecutiveFailures < connectors.unhealthyAfterFailures,
          lastRun: status ? connectorRunView(status.lastRun) : null,
        };
      });
    },
    agencies: (_: unknown, __: unknown, { readers }: HubContext) => readers.agencies.allAgencies(),
    ingestionBatches: (_: unknown, args: PageArgs & { agencyCode: string }, { readers: { agencies } }: HubContext) =>
      agencyLog(agencies, args, agencies.batches, agencies.countBatches, batchView),
    connectorRuns: (_: unknown, args: PageArgs & { agencyCode: string }, { readers: { agencies } }: HubContext) =>
      agencyLog(agencies, args, agencies.connectorRuns, agencies.countConnectorRuns, connectorRunView),
    quarantine: (_: unknown, args: PageArgs & { agencyCode: string; status: string }, { readers: { agencies } }: HubContext) =>
      agencyLog(
        agencies,
        args,
        (code, first, afterId) => agencies.quarantine(code, args.status, first, afterId),
        (code) => agencies.countQuarantine(code, args.status),
        quarantineView,
      ),
  },
  Mutation: {
    runConnectorNow: async (_: unknown, args: { agencyCode: string; connector: string }, { connectors, access }: HubContext) => {
      const audit = `${args.agencyCode}/${args.connector}`;
      access.trail.noteReturned(`connector:${audit}`);
      return connectorRunView(await connectors.runNow(args.agencyCode, args.connector));
    },
    replayQuarantine: async (_: unknown, args: { agencyCode: string }, { connectors, readers }: HubContext) => {
      if (!(await readers.agencies.agency(args.agencyCode))) throw notFound(`agency ${args.agencyCode.slice(0, 40)} is not registered`);
      return connectors.replayQuarantine(args.agencyCode);
    },
    reloadConfiguration: (_: unknown, __: unknown, { connectors, ingestion, access }: HubContext) =>
      // The audit entry (with what changes) commits before anything is applied: no unaudited reload.
      connectors.reloadConfiguration((reload) =>
        access.trail.recordWrite(ingestion.db, 'mutation reloadConfiguration', () => {
          for (const setting of [...reload.changed, ...reload.needsRestart]) access.trail.noteReturned(`config:${setting}`);
          return Promise.resolve();
        }),
      ),
    releaseQuarantinedRecord: async (_: unknown, args: { id: string; justification: string }, { ingestion, access }: HubContext) => {
      const id = parseId(args.id, 'quarantine entry id');
      const audit = access.trail.inTransaction('mutation releaseQuarantinedRecord');
      await releaseQuarantinedRecord(ingestion, id, args.justification, audit.hook);
      audit.confirm();
      const entry = await findQuarantineEntry(ingestion.db, id);
      if (!entry) throw notFound(`quarantine entry ${id} does not exist`);
      return quarantineView(entry);
    },
  },
  Agency: {
    region: (agency: AgencyRow) => regionOf(agency.region),
  },
};
