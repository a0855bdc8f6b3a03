/**
 * Every GraphQL operation the console sends, with the types of what it returns. They are written against
 * the hub's own schema (schema/*.graphql): test/unit/console-operations.test.ts validates each document
 * against it, so a renamed field fails the suite, not a page.
 */
import { operation } from './api.js';

interface Region {
  code: string;
  name: string;
}
interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
interface Connection<T> {
  edges: { node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

export interface ConnectorRun {
  id: string;
  connector: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  received: number;
  inserted: number;
  updated: number;
  rejected: number;
  error: string | null;
  failureReason: string | null;
}
export interface ConnectorStatus {
  name: string;
  type: string;
  schedule: string | null;
  healthy: boolean;
  consecutiveFailures: number;
  lastRun: ConnectorRun | null;
}
export interface Agency {
  code: string;
  name: string;
  region: Region;
}
export interface QuarantineEntry {
  id: string;
  agencyCode: string;
  sourceRecordId: string | null;
  kind: string | null;
  connector: string | null;
  status: string;
  reasons: { field: string; rule: string; value: string | null; message: string }[];
  resolution: string | null;
  receivedAt: string;
}
export interface IngestionBatch {
  id: string;
  source: string;
  startedAt: string;
  finishedAt: string | null;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}
export interface AuditEntry {
  seq: number;
  at: string;
  clientId: string;
  person: string | null;
  operation: string;
  subjects: string[];
  purpose: string | null;
  outcome: string;
}
export interface Client {
  id: string;
  name: string;
  type: string;
  agencyCode: string | null;
  regions: string[];
  scopes: string[];
  authMethods: string[];
  revokedAt: string | null;
}
export interface StandardField {
  code: string;
  label: string;
  value: string;
  valueLabel: string | null;
}
export interface RecordNode {
  id: string;
  kind: string;
  status: string;
  eventDate: string;
  validTo: string | null;
  publicationEnd: string | null;
  documentNumber: string | null;
  originRegion: Region;
  agency: { code: string; name: string };
  standardFields: StandardField[];
}
export interface SubjectSummary {
  uscc: string;
  name: string;
  category: string;
  region: Region;
}

const RUN_FIELDS = 'id connector startedAt finishedAt status received inserted updated rejected error failureReason';
const AUDIT_FIELDS = 'seq at clientId person operation subjects purpose outcome';

export interface Me {
  id: string;
  name: string;
  type: string;
  agencyCode: string | null;
  scopes: string[];
}
export const ME = operation<{ me: Me }>('query Me { me { id name type agencyCode scopes } }');

export const AGENCIES = operation<{ agencies: Agency[] }>('query Agencies { agencies { code name region { code name } } }');

/** One agency's operational state: connectors and their health, open quarantine, recent batches and runs. */
export const AGENCY_STATE = operation<
  {
    connectors: ConnectorStatus[];
    quarantine: Connection<QuarantineEntry>;
    ingestionBatches: Connection<IngestionBatch>;
    connectorRuns: Connection<ConnectorRun>;
  },
  { agencyCode: string; batches: number; runs: number; quarantine: number }
>(`query AgencyState($agencyCode: String!, $batches: Int!, $runs: Int!, $quarantine: Int!) {
  connectors(agencyCode: $agencyCode) { name type schedule healthy consecutiveFailures lastRun { ${RUN_FIELDS} } }
  quarantine(agencyCode: $agencyCode, first: $quarantine) { totalCount pageInfo { hasNextPage endCursor } edges { node { id agencyCode sourceRecordId kind connector status reasons { field rule value message } resolution receivedAt } } }
  ingestionBatches(agencyCode: $agencyCode, first: $batches) { totalCount pageInfo { hasNextPage endCursor } edges { node { id source startedAt finishedAt received inserted updated unchanged rejected } } }
  connectorRuns(agencyCode: $agencyCode, first: $runs) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${RUN_FIELDS} } } }
}`);

export const AUDIT_HEAD = operation<{
  auditLog: Omit<Connection<AuditEntry>, 'totalCount'>;
  auditCheckpoint: { treeSize: number; rootHash: string; signed: string };
}>(
  `query AuditHead { auditLog(first: 1) { pageInfo { hasNextPage endCursor } edges { node { ${AUDIT_FIELDS} } } } auditCheckpoint { treeSize rootHash signed } }`,
);

export const SEARCH_SUBJECTS = operation<{ subjects: Connection<SubjectSummary> }, { name: string }>(
  'query SearchSubjects($name: String!) { subjects(nameContains: $name, first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { node { uscc name category region { code name } } } } }',
);

export const SUBJECT_PROFILE = operation<
  { subject: (SubjectSummary & { divisionCode: string; records: Connection<RecordNode> }) | null },
  { uscc: string; filter: { kinds?: string[]; statuses?: string[] } }
>(`query SubjectProfile($uscc: USCC!, $filter: RecordFilter) {
  subject(uscc: $uscc) { uscc name category divisionCode region { code name }
    records(filter: $filter, first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { node {
      id kind status eventDate validTo publicationEnd documentNumber originRegion { code name } agency { code name } standardFields { code label value valueLabel } } } } }
}`);

export const SUBJECT_ACCESS_LOG = operation<{ subjectAccessLog: Omit<Connection<AuditEntry>, 'totalCount'> }, { uscc: string }>(
  `query SubjectAccessLog($uscc: USCC!) { subjectAccessLog(uscc: $uscc, first: 20) { pageInfo { hasNextPage endCursor } edges { node { ${AUDIT_FIELDS} } } } }`,
);

export const AUDIT_SEARCH = operation<
  { auditLog: Omit<Connection<AuditEntry>, 'totalCount'> },
  { filter: { clientId?: string; uscc?: string; from?: string; to?: string } }
>(
  `query AuditSearch($filter: AuditLogFilter) { auditLog(filter: $filter, first: 50) { pageInfo { hasNextPage endCursor } edges { node { ${AUDIT_FIELDS} } } } }`,
);

export const CLIENTS = operation<{ clients: Client[] }>('query Clients { clients { id name type agencyCode regions scopes authMethods revokedAt } }');

export const AUTHORIZATIONS = operation<
  {
    authorizations: {
      id: string;
      uscc: string;
      clientId: string;
      purpose: string;
      validUntil: string;
      grantedBy: string;
      createdAt: string;
      revokedAt: string | null;
    }[];
  },
  { uscc: string }
>('query Authorizations($uscc: USCC!) { authorizations(uscc: $uscc) { id uscc clientId purpose validUntil grantedBy createdAt revokedAt } }');

export const RELEASE_QUARANTINED = operation<
  { releaseQuarantinedRecord: { id: string; status: string; resolution: string | null } },
  { id: string; justification: string }
>(
  'mutation ReleaseQuarantined($id: ID!, $justification: String!) { releaseQuarantinedRecord(id: $id, justification: $justification) { id status resolution } }',
);

export const RUN_CONNECTOR = operation<{ runConnectorNow: ConnectorRun }, { agencyCode: string; connector: string }>(
  `mutation RunConnector($agencyCode: String!, $connector: String!) { runConnectorNow(agencyCode: $agencyCode, connector: $connector) { ${RUN_FIELDS} } }`,
);

export const REPLAY_QUARANTINE = operation<{ replayQuarantine: { examined: number; replayed: number; stillRejected: number } }, { agencyCode: string }>(
  'mutation ReplayQuarantine($agencyCode: String!) { replayQuarantine(agencyCode: $agencyCode) { examined replayed stillRejected } }',
);

export const GRADE_DISTRIBUTION = operation<
  { gradeDistribution: { total: number; classes: { creditClass: string; label: string; count: number }[] } },
  { region?: string }
>('query GradeDistribution($region: String) { gradeDistribution(region: $region) { total classes { creditClass label count } } }');

export const INSPECTION_DRAWS = operation<{ inspectionDraws: Connection<{ id: string; agencyCode: string; algorithm: string; populationSize: number }> }>(
  'query InspectionDraws { inspectionDraws(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { node { id agencyCode algorithm populationSize } } } }',
);

export const REPAIR_REQUESTS = operation<{
  repairRequests: Omit<
    Connection<{ id: string; recordId: string; agencyCode: string; uscc: string | null; status: string; tier: string; filedBy: string }>,
    'totalCount'
  >;
}>(
  'query RepairRequests { repairRequests(first: 50) { pageInfo { hasNextPage endCursor } edges { node { id recordId agencyCode uscc status tier filedBy } } } }',
);

export const RECORD_STATISTICS = operation<{ recordCounts: { kind: string; region: Region; active: number; count: number }[] }>(
  'query RecordStatistics { recordCounts { kind region { code name } active count } }',
);
