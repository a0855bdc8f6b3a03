import type { ConnectorDeps } from '../../connectors/types.js';
import { ingestBatch, type IngestCounts, type IngestionDeps } from '../../ingestion/ingest-batch.js';
import { hubConnectorDeps } from '../../server/connector-deps.js';
import { agencyAuthorities } from '../../ingestion/fact-authority.js';
import { DEFAULT_PUBLICATION_RULES } from '../../ingestion/publication.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import type { HubDb } from '../../store/database.js';
import { upsertAgencies } from '../../store/agency-queries.js';
import { AUTHORITY_USCC, authorityUscc } from './records.js';
import { testLogger } from './test-log.js';

export const FIXED_NOW = new Date('2024-06-01T04:00:00Z');

export function ingestionDeps(db: HubDb, overrides: Partial<IngestionDeps> = {}): IngestionDeps {
  return {
    db,
    clock: () => FIXED_NOW,
    logger: testLogger(),
    publication: DEFAULT_PUBLICATION_RULES,
    usccAllowList: new Set(),
    agencies: agencyAuthorities(TEST_AGENCIES),
    ...overrides,
  };
}

/**
 * Both publish for AUTHORITY_USCC, the deciding authority of the fixture records; SH-SAMR (market
 * regulation) is the registration authority of Shanghai's subjects.
 */
export const TEST_AGENCIES = [
  {
    code: 'SH-SAMR',
    name: '上海市市场监督管理局',
    region: '310000',
    hub: 'hub-sh',
    uscc: authorityUscc('310000', 2),
    publishesFor: [AUTHORITY_USCC],
    registersSubjects: true,
  },
  {
    code: 'ZJ-TAX',
    name: '国家税务总局浙江省税务局',
    region: '330000',
    hub: 'hub-sh',
    uscc: authorityUscc('330000', 3),
    publishesFor: [AUTHORITY_USCC],
    registersSubjects: false,
  },
];

export async function registerTestAgencies(db: HubDb): Promise<void> {
  await upsertAgencies(db, TEST_AGENCIES, FIXED_NOW);
}

export function ingest(db: HubDb, records: readonly IncomingRecord[], agencyCode = 'SH-SAMR'): Promise<IngestCounts> {
  return ingestBatch(ingestionDeps(db), { agencyCode, source: 'test', records });
}

/** What a connector gets from the hub, bound to a test database; these connectors sign no tokens. */
export function testConnectorDeps(db: HubDb): ConnectorDeps {
  return hubConnectorDeps(ingestionDeps(db), testLogger(), () => Promise.reject(new Error('this test connector signs no tokens')));
}
