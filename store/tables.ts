import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the hub's tables; the DDL lives in store/migrations/. */
export interface HubTables {
  agencies: AgencyTable;
  subjects: SubjectTable;
  records: RecordTable;
  record_history: RecordHistoryTable;
  ingestion_batches: IngestionBatchTable;
  quarantine: QuarantineTable;
  uscc_overrides: UsccOverrideTable;
  job_leases: JobLeaseTable;
  connector_runs: ConnectorRunTable;
  connector_state: ConnectorStateTable;
  api_clients: ApiClientTable;
  hub_signing_keys: HubSigningKeyTable;
  client_assertion_ids: ClientAssertionIdTable;
  authorizations: AuthorizationTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  audit_subjects: AuditSubjectTable;
  audit_checkpoints: AuditCheckpointTable;
  audit_subtrees: AuditSubtreeTable;
  audit_person_key: AuditPersonKeyTable;
  credit_model_versions: CreditModelVersionTable;
  credit_grades: CreditGradeTable;
  credit_grade_history: CreditGradeHistoryTable;
  credit_grading_state: CreditGradingStateTable;
}

export interface ApiClientTable {
  id: string;
  name: string;
  type: string;
  agency_code: string | null;
  regions: string[];
  scopes: string[];
  public_jwks: ColumnType<unknown, string | null, string | null> | null;
  jwks_url: string | null;
  secret_hash: string | null;
  requests_per_minute: number | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  revoked_at: Date | null;
}

export interface HubSigningKeyTable {
  kid: string;
  alg: string;
  public_jwk: ColumnType<unknown, string, never>;
  private_jwk: ColumnType<unknown, string, never>;
  activated_at: ColumnType<Date, Date | undefined, never>;
  retired_at: Date | null;
}

export interface ClientAssertionIdTable {
  client_id: string;
  jti: string;
  expires_at: Date;
}

export interface AuthorizationTable {
  id: Generated<number>;
  subject_uscc: string;
  client_id: string;
  purpose: string;
  valid_until: string;
  granted_by: string;
  evidence: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: Date;
  client_id: string;
  operation: string;
  subjects: string[];
  purpose: string | null;
  outcome: string;
  entry: string;
  leaf_hash: Uint8Array;
  chain_hash: Uint8Array;
}

export interface AuditSubjectTable {
  subject: string;
  seq: number;
}

export interface AuditHeadTable {
  id: boolean;
  size: number;
  chain_hash: Uint8Array;
}

export interface AuditCheckpointTable {
  tree_size: number;
  root_hash: Uint8Array;
  signed: string;
  frontier: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface AuditSubtreeTable {
  level: number;
  position: number;
  hash: Uint8Array;
}

/** The one row holding the key of persons' keyed hashes in the audit log (never read into a log line). */
export interface AuditPersonKeyTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  key: ColumnType<Uint8Array, Uint8Array, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface ConnectorStateTable {
  agency_code: string;
  connector: string;
  watermark: string;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface JobLeaseTable {
  name: string;
  holder: string;
  expires_at: Date;
}

export interface ConnectorRunTable {
  id: Generated<number>;
  agency_code: string;
  connector: string;
  started_at: ColumnType<Date, Date | undefined, never>;
  finished_at: Date | null;
  status: string;
  batches: ColumnType<number, number | undefined, number>;
  received: ColumnType<number, number | undefined, number>;
  inserted: ColumnType<number, number | undefined, number>;
  updated: ColumnType<number, number | undefined, number>;
  unchanged: ColumnType<number, number | undefined, number>;
  rejected: ColumnType<number, number | undefined, number>;
  error: string | null;
  /** Pages (or files) read whole. */
  pages: ColumnType<number, number | undefined, number>;
  watermark_before: string | null;
  watermark_after: string | null;
  /** One of RUN_FAILURE_REASONS for a FAILED or ABANDONED run. */
  failure_reason: string | null;
  warnings: ColumnType<{ code: string; message: string }[], string | undefined, string>;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface AgencyTable {
  code: string;
  name: string;
  region: string;
  hub: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SubjectTable {
  uscc: string;
  name: string;
  category: string;
  division_code: string;
  region: string;
  /** The agency whose statement set name and category; null if none is known. */
  name_agency: string | null;
  /** Precedence of that statement: 2 registration authority, 1 other agency, 0 unknown. */
  name_rank: Generated<number>;
  first_seen_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RecordTable {
  id: Generated<number>;
  agency_code: string;
  source_record_id: string;
  kind: string;
  subject_uscc: string | null;
  subject_name: string;
  subject_category: string;
  status: string;
  event_date: string;
  valid_from: string | null;
  valid_to: string | null;
  publication_end: string | null;
  document_no: string | null;
  fields: ColumnType<Record<string, string | string[]>, string, string>;
  content_hash: string;
  origin_region: string;
  origin_hub: string;
  version: number;
  batch_id: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RecordHistoryTable {
  seq: number;
  record_id: number;
  agency_code: string;
  source_record_id: string;
  change: string;
  old_hash: string | null;
  new_hash: string;
  old_status: string | null;
  new_status: string;
  changed_by: string;
  batch_id: number | null;
  changed_at: CreatedAt;
  tx_id: ColumnType<string, never, never>;
  previous: ColumnType<Record<string, unknown> | null, string | null, never>;
}

export interface IngestionBatchTable {
  id: Generated<number>;
  agency_code: string;
  source: string;
  started_at: Date;
  finished_at: Date | null;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** The connector run that wrote the batch, if a run did. */
  run_id: ColumnType<number | null, number | null | undefined, never>;
}

export interface QuarantineTable {
  id: Generated<number>;
  batch_id: number | null;
  agency_code: string;
  source_record_id: string | null;
  kind: string | null;
  payload: ColumnType<Record<string, unknown>, string, never>;
  reasons: ColumnType<unknown[], string, never>;
  status: ColumnType<string, string | undefined, string>;
  resolution: string | null;
  resolved_at: Date | null;
  created_at: CreatedAt;
  /** Hash of the row as received (generated by the database); one OPEN entry per agency, source record id and hash. */
  payload_hash: ColumnType<string, never, never>;
  /** The connector that refused the row; null for pushed records. */
  connector: ColumnType<string | null, string | null | undefined, never>;
}

/** Operators' accepted check-digit failures (releaseQuarantinedRecord), honoured by every later ingestion. */
export interface UsccOverrideTable {
  uscc: string;
  quarantine_id: number;
  justification: string;
  released_at: CreatedAt;
}

/** A credit class code; each model configures its labels (e.g. 优/良/中/差). */
export type CreditClass = 'A' | 'B' | 'C' | 'D';

export interface CreditModelVersionTable {
  version: string;
  fingerprint: string;
  first_seen_at: CreatedAt;
  activated_at: Date | null;
  activated_by: string | null;
  /** Order of activations; the active model has the highest. */
  activation_seq: number | null;
}

export interface CreditGradeTable {
  subject_uscc: string;
  model_version: string;
  /** numeric(12,2), read as a string: exact. */
  score: string;
  class: CreditClass;
  capped_by: string | null;
  contributions: ColumnType<{ indicator: string; dimension: string; points: string; records: number[] }[], string, string>;
  reasons: ColumnType<{ code: string; points: string; records: number[] }[], string, string>;
  evaluated_at: Date;
  record_seq: number;
}

export interface CreditGradeHistoryTable {
  id: Generated<number>;
  subject_uscc: string;
  model_version: string;
  score: string;
  class: CreditClass;
  previous_score: string | null;
  previous_class: CreditClass | null;
  cause: 'RECORD_CHANGE' | 'DECAY' | 'MODEL_ACTIVATION' | 'FIRST_GRADE';
  evaluated_at: Date;
}

export interface CreditGradingStateTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  watermark: number;
  graded_through: string | null;
  model_version: string | null;
}
