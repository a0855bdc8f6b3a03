import DataLoader from 'dataloader';
import { findAgencies, listAgencies, type AgencyRow } from '../../store/agency-queries.js';
import { countBatches, listBatches, type BatchRow } from '../../store/batch-queries.js';
import { connectorHealth, countConnectorRuns, listConnectorRuns, type ConnectorRunRow } from '../../store/connector-run-queries.js';
import { countQuarantine, listQuarantine, type QuarantineListRow } from '../../store/quarantine-queries.js';
import { byKey, type Page, type ReadScope } from './read-scope.js';

/**
 * Reading agencies and their ingestion logs (batches, connector runs, quarantine). Which agency's logs
 * a client may read is decided at the root field (policy.ts: its own agency, or an operator); these
 * hold no record content.
 */
export interface AgencyReads {
  /** One registered agency, or null. Batched per request. */
  readonly agency: (code: string) => Promise<AgencyRow | null>;
  readonly allAgencies: () => Promise<AgencyRow[]>;
  /** An agency's quarantine entries in `status`, newest first. */
  readonly quarantine: (agencyCode: string, status: string, first: number, afterId: number | undefined) => Promise<Page<QuarantineListRow>>;
  readonly countQuarantine: (agencyCode: string, status: string) => Promise<number>;
  /** An agency's ingestion batches, newest first. */
  readonly batches: (agencyCode: string, first: number, afterId: number | undefined) => Promise<Page<BatchRow>>;
  readonly countBatches: (agencyCode: string) => Promise<number>;
  /** An agency's connector runs, newest first. */
  readonly connectorRuns: (agencyCode: string, first: number, afterId: number | undefined) => Promise<Page<ConnectorRunRow>>;
  readonly countConnectorRuns: (agencyCode: string) => Promise<number>;
  /** Per connector of the agency: its last run and how many runs in a row failed. */
  readonly connectorHealth: (agencyCode: string) => Promise<Map<string, { consecutiveFailures: number; lastRun: ConnectorRunRow }>>;
}

export function createAgencyReads(scope: ReadScope): AgencyReads {
  const { db } = scope;
  const agencies = new DataLoader<string, AgencyRow | null>(async (codes) => byKey(codes, await findAgencies(db(), codes), (agency) => agency.code));
  return {
    agency: (code) => agencies.load(code),
    allAgencies: () => listAgencies(db()),
    quarantine: (agencyCode, status, first, afterId) => listQuarantine(db(), agencyCode, status, first, afterId),
    countQuarantine: (agencyCode, status) => countQuarantine(db(), agencyCode, status),
    batches: (agencyCode, first, afterId) => listBatches(db(), agencyCode, first, afterId),
    countBatches: (agencyCode) => countBatches(db(), agencyCode),
    connectorRuns: (agencyCode, first, afterId) => listConnectorRuns(db(), agencyCode, first, afterId),
    countConnectorRuns: (agencyCode) => countConnectorRuns(db(), agencyCode),
    connectorHealth: (agencyCode) => connectorHealth(db(), agencyCode),
  };
}
