import { grantAuthorization, NotGrantorError, withdrawAuthorization, type GrantInput } from '../../access/authorizations.js';
import { isAdmin } from '../../access/clients.js';
import { chinaToday } from '../../ingestion/dates.js';
import { checkResidentId, maskIdentityNumber, normalizeIdentifier } from '../../ingestion/identifiers.js';
import type { AuditRow } from '../../store/audit-queries.js';
import type { AuthorizationRow } from '../../store/authorization-queries.js';
import type { ClientRow } from '../../store/client-queries.js';
import type { HubContext } from '../context.js';
import { badInput, forbidden, notFound } from '../errors.js';
import { decodeCursor, encodeCursor, isFeedCursor, isNumberTuple, pageSize, parseId, toPage } from '../pagination.js';
import { recordView } from '../record-view.js';
import type { CreditReport } from '../../credit/credit-report.js';
import { regionOf } from '../../ingestion/regions.js';
import type { AuditFilter } from '../../store/audit-queries.js';
import type { PageArgs } from './records.js';

const MAX_FEED_PAGE = 1000;

function authorizationView(row: AuthorizationRow) {
  return {
    id: String(row.id),
    uscc: row.subject_uscc,
    clientId: row.client_id,
    purpose: row.purpose,
    validUntil: row.valid_until,
    grantedBy: row.granted_by,
    evidence: row.evidence,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

function clientView(row: ClientRow) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    agencyCode: row.agency_code,
    regions: row.regions,
    scopes: row.scopes,
    authMethods: [...(row.public_jwks || row.jwks_url ? ['PRIVATE_KEY_JWT'] : []), ...(row.secret_hash ? ['CLIENT_SECRET_BASIC'] : [])],
    requestsPerMinute: row.requests_per_minute,
    revokedAt: row.revoked_at,
  };
}

function auditEntryView(row: AuditRow) {
  const entry = JSON.parse(row.entry) as { clientType: string; person?: string; returned: string[]; authorizations: string[] };
  return {
    seq: row.seq,
    at: row.at,
    clientId: row.client_id,
    clientType: entry.clientType,
    person: entry.person ?? null,
    operation: row.operation,
    subjects: row.subjects,
    returned: entry.returned,
    purpose: row.purpose,
    authorizations: entry.authorizations,
    outcome: row.outcome,
    entry: row.entry,
    leafHash: row.leaf_hash,
  };
}

/** The normalised 居民身份证号 an argument holds, or BAD_USER_INPUT naming the rule and the masked value. */
function residentIdArgument(raw: string): string {
  const verdict = checkResidentId(raw);
  if (verdict.ok) return verdict.id;
  const shown = maskIdentityNumber(normalizeIdentifier(raw).slice(0, 64));
  throw badInput(`idNumber ${shown} is not a 居民身份证号: ${verdict.message}`, { field: 'idNumber', rule: verdict.rule, value: shown });
}

async function auditConnection(context: HubContext, filter: AuditFilter, args: PageArgs) {
  const first = pageSize(args.first);
  const after = decodeCursor(args.after, isNumberTuple);
  const page = await context.readers.audit.auditLog(filter, first, after?.[0]);
  const connection = toPage(page.rows, page.hasMore, (row) => encodeCursor([row.seq]));
  return { edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: auditEntryView(edge.node) })), pageInfo: connection.pageInfo };
}

export const accessResolvers = {
  Query: {
    me: async (_: unknown, __: unknown, { access, readers }: HubContext) => {
      const row = await readers.access.client(access.principal.clientId);
      if (!row) throw notFound(`client ${access.principal.clientId} is no longer registered`);
      return clientView(row);
    },
    clients: async (_: unknown, __: unknown, { readers }: HubContext) => (await readers.access.clients()).map(clientView),
    creditReport: async (_: unknown, args: { uscc: string }, { readers }: HubContext) => {
      const report = await readers.credit.creditReport(args.uscc);
      return { ...report, authorization: report.authorization ? authorizationView(report.authorization) : null };
    },
    authorizations: async (_: unknown, args: { uscc: string }, { readers }: HubContext) =>
      (await readers.access.authorizations(args.uscc)).map(authorizationView),
    changeFeed: async (_: unknown, args: PageArgs, { readers }: HubContext) => {
      const first = pageSize(args.first, 100, MAX_FEED_PAGE);
      const after = decodeCursor(args.after, isFeedCursor);
      const page = await readers.records.changes(after ? { txId: after[0], seq: after[1] } : undefined, first);
      const connection = toPage(page.rows, page.hasMore, (row) => encodeCursor([row.change.tx_id, row.change.seq]));
      return {
        edges: connection.edges.map((edge) => ({
          cursor: edge.cursor,
          node: {
            seq: String(edge.node.change.seq),
            change: edge.node.change.change,
            changedAt: edge.node.change.changed_at,
            record: recordView(edge.node.record),
          },
        })),
        pageInfo: connection.pageInfo,
      };
    },
    auditLog: (
      _: unknown,
      args: PageArgs & { filter?: { clientId?: string | null; uscc?: string | null; from?: Date | null; to?: Date | null } | null },
      context: HubContext,
    ) => {
      const f = args.filter ?? {};
      const filter: AuditFilter = {
        ...(f.clientId ? { clientId: f.clientId } : {}),
        ...(f.uscc ? { subject: f.uscc } : {}),
        ...(f.from ? { from: f.from } : {}),
        ...(f.to ? { to: f.to } : {}),
      };
      return auditConnection(context, filter, args);
    },
    subjectAccessLog: (_: unknown, args: PageArgs & { uscc: string }, context: HubContext) => auditConnection(context, { subject: args.uscc }, args),
    personAccessLog: (_: unknown, args: PageArgs & { idNumber: string }, context: HubContext) =>
      auditConnection(context, { subject: context.access.trail.personSubject(residentIdArgument(args.idNumber)) }, args),
    auditCheckpoint: (_: unknown, __: unknown, { readers }: HubContext) => readers.audit.auditCheckpoint(),
    auditProof: async (_: unknown, args: { seq: number }, { readers }: HubContext) => {
      if (args.seq < 0) throw badInput(`seq ${args.seq} is no audit entry: entries are numbered from 0`, { field: 'seq', rule: 'SEQ' });
      const proof = await readers.audit.auditProof(args.seq);
      return { ...proof, entry: auditEntryView(proof.entry) };
    },
  },
  Mutation: {
    grantAuthorization: async (_: unknown, args: { input: GrantInput }, { access, ingestion, purposes }: HubContext) => {
      access.trail.noteSubject(args.input.uscc);
      const row = await access.trail.recordWrite(ingestion.db, 'mutation grantAuthorization', (trx) =>
        grantAuthorization(trx, args.input, { grantedBy: access.principal.clientId, purposes, today: chinaToday(access.clock()) }),
      );
      return authorizationView(row);
    },
    revokeAuthorization: async (_: unknown, args: { id: string }, { access, ingestion }: HubContext) => {
      const id = parseId(args.id, 'authorization id');
      const revoker = { clientId: access.principal.clientId, isAdmin: isAdmin(access.principal) };
      try {
        const row = await access.trail.recordWrite(ingestion.db, 'mutation revokeAuthorization', async (trx) => {
          const revoked = await withdrawAuthorization(trx, id, revoker, access.clock());
          access.trail.noteSubject(revoked.subject_uscc);
          return revoked;
        });
        return authorizationView(row);
      } catch (error) {
        if (!(error instanceof NotGrantorError)) throw error;
        // Audited as a denial at the end of the request (the write's own entry rolled back with it).
        access.trail.noteSubject(error.subjectUscc);
        access.trail.noteDenial('NOT_GRANTOR');
        throw forbidden('NOT_GRANTOR', error.message);
      }
    },
  },
  CreditReport: {
    uscc: (report: CreditReport) => report.subject.uscc,
    name: (report: CreditReport) => report.subject.name,
    region: (report: CreditReport) => regionOf(report.subject.region),
  },
  ReportEntry: {
    fineTenThousandYuan: (entry: { fineWan: string | null }) => entry.fineWan,
  },
};
