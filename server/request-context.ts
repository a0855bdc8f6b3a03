import { randomUUID } from 'node:crypto';
import type { Principal } from '../access/clients.js';
import type { CheckpointDeps } from '../audit/checkpoints.js';
import { PersonSubjects } from '../audit/person-subjects.js';
import { activateModelVersion, compareModels, oneEvaluationAtATime } from '../credit/model-governance.js';
import { chinaToday } from '../ingestion/dates.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import type { InspectionDeps } from '../inspections/inspection-deps.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { tooManySubjects } from '../schema/audit-trail.js';
import type { ConnectorOperations, CreditOperations, HubContext } from '../schema/context.js';
import { createReaders } from '../schema/readers/index.js';
import type { Database } from '../store/database.js';
import type { HubConfig } from './hub-config.js';

export interface RequestContextDeps {
  readonly config: HubConfig;
  readonly database: Database;
  readonly clock: () => Date;
  readonly ingestion: IngestionDeps;
  readonly checkpoints: CheckpointDeps;
  readonly connectors: ConnectorOperations;
}

/** The GraphQL context of one request by `principal` for `purpose`, as the HTTP layer builds it after its checks. */
export type CreateContext = (principal: Principal, purpose: string) => HubContext;

/** Credit model governance over the main pool: an admin operation, not under the API's statement timeout. */
function creditOperations(config: HubConfig, database: Database, clock: () => Date): CreditOperations {
  return {
    supervision: config.supervision,
    measures: config.measures,
    models: config.credit,
    // Two full grading passes, one evaluation at a time.
    evaluateModel: oneEvaluationAtATime((version) => compareModels(database.db, { credit: config.credit, version, today: chinaToday(clock()) }), clock),
    activateModel: (db, version, activatedBy) => activateModelVersion(db, version, activatedBy, clock),
  };
}

function inspectionDeps(config: HubConfig, database: Database, clock: () => Date): InspectionDeps {
  return {
    db: database.db,
    reads: { standard: database.readDb, heavy: database.heavyReadDb },
    clock,
    config: config.inspections,
    supervision: config.supervision,
    agencyRegions: new Map(config.agencies.map((agency) => [agency.code, agency.region])),
    maxSubjectsPerRequest: config.limits.maxSubjectsPerRequest,
  };
}

/** Builds what every request's context shares (reads the person-subject key once), and returns the per-request factory. */
export async function requestContexts(deps: RequestContextDeps): Promise<CreateContext> {
  const { config, database, clock, checkpoints } = deps;
  const trailRules = { maxSubjects: config.limits.maxSubjectsPerRequest, persons: await PersonSubjects.load(database.db), tooManySubjects };
  const credit = creditOperations(config, database, clock);
  const inspections = inspectionDeps(config, database, clock);
  return (principal, purpose) => {
    const trail = new AuditTrail({ principal, purpose, requestId: randomUUID(), clock }, trailRules);
    const access = { principal, purpose, trail, clock, checkpoints, lane: { heavy: false } };
    return {
      access,
      readers: createReaders({ standard: database.readDb, heavy: database.heavyReadDb }, access),
      ingestion: deps.ingestion,
      purposes: config.auth.purposes,
      repair: config.repair,
      connectors: deps.connectors,
      credit,
      inspections,
    };
  };
}
