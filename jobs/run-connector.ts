import type { Logger } from 'pino';
import type { Connector, RunTotals } from '../connectors/types.js';
import type { HubDb } from '../store/database.js';
import { connectorHealth, finishConnectorRun, startConnectorRun } from '../store/connector-run-queries.js';
import { withLease, type LeasedResult } from './with-lease.js';

export interface RunConnectorDeps {
  readonly db: HubDb;
  readonly logger: Logger;
  /** Failed runs in a row after which the connector is reported unhealthy. */
  readonly unhealthyAfterFailures: number;
}

/**
 * Runs a connector once under its lease, recording the run (start, end, status, counts, error).
 * Skipped (ran: false) while another hub process runs the same connector. A failed run is
 * recorded as FAILED and rethrown.
 */
export async function runConnector(deps: RunConnectorDeps, connector: Connector): Promise<LeasedResult<RunTotals>> {
  return withLease(deps.db, `connector:${connector.agencyCode}/${connector.name}`, async () => {
    const runId = await startConnectorRun(deps.db, connector.agencyCode, connector.name);
    try {
      const totals = await connector.run();
      await finishConnectorRun(deps.db, runId, 'SUCCEEDED', totals, null);
      deps.logger.info({ agency: connector.agencyCode, connector: connector.name, ...totals }, 'connector run succeeded');
      return totals;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await finishConnectorRun(deps.db, runId, 'FAILED', null, message);
      deps.logger.error({ agency: connector.agencyCode, connector: connector.name, err: error }, 'connector run failed');
      const failures = (await connectorHealth(deps.db, connector.agencyCode)).get(connector.name)?.consecutiveFailures ?? 0;
      if (failures >= deps.unhealthyAfterFailures) {
        deps.logger.warn({ agency: connector.agencyCode, connector: connector.name, consecutiveFailures: failures }, 'connector unhealthy: its last runs all failed');
      }
      throw error;
    }
  });
}
