import { request } from './api.js';
import { AGENCIES, AGENCY_STATE, type Agency, type ConnectorStatus, type IngestionBatch, type Me } from './operations.js';

/** One agency's health as the overview shows it. */
export interface AgencyState {
  agency: Agency;
  connectors: ConnectorStatus[];
  quarantine: number;
  batches: IngestionBatch[];
}

/** The key the overview's agency states are started early under (see prefetch.ts). */
export const AGENCY_STATES_KEY = 'overview:agency-states';

/**
 * The agencies the person may see operationally (every one for an operator, else their own), each with
 * its state. The agency list is asked for beside `me`, not after it.
 */
export async function loadAgencyStates(me: Me | Promise<Me>): Promise<AgencyState[]> {
  const [{ agencies }, who] = await Promise.all([request(AGENCIES, {}), me]);
  const own = who.type === 'ADMIN' ? agencies : agencies.filter((a) => a.code === who.agencyCode);
  return Promise.all(
    own.map(async (agency) => {
      const state = await request(AGENCY_STATE, { agencyCode: agency.code, batches: 100, runs: 1, quarantine: 1 });
      return { agency, connectors: state.connectors, quarantine: state.quarantine.totalCount, batches: state.ingestionBatches.edges.map((e) => e.node) };
    }),
  );
}
