import type { AgencyConfig } from '../config/hub-config.js';
import { createFileDropConnector } from './file-drop/index.js';
import type { Connector, ConnectorDeps } from './types.js';

/** The connectors of every configured agency source. Register a new source type here. */
export function createConnectors(agencies: readonly AgencyConfig[], deps: ConnectorDeps): Connector[] {
  return agencies.flatMap((agency) =>
    agency.sources.map((source) => {
      const logger = deps.logger.child({ agency: agency.code, connector: source.type });
      switch (source.type) {
        case 'file-drop':
          return createFileDropConnector(agency.code, source, { ...deps, logger });
      }
    }),
  );
}
