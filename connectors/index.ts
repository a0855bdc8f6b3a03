import type { AgencyConfig } from '../config/hub-config.js';
import { createFileDropConnector } from './file-drop/index.js';
import { createHttpJsonConnector } from './http-json/index.js';
import type { Connector, ConnectorDeps } from './types.js';

/** A source's configured name, or its type and position: 'file-drop-1'. */
export function connectorName(source: AgencyConfig['sources'][number], index: number): string {
  return source.name ?? `${source.type}-${index + 1}`;
}

/** The connectors of every configured agency source. Register a new source type here. */
export function createConnectors(agencies: readonly AgencyConfig[], deps: ConnectorDeps): Connector[] {
  return agencies.flatMap((agency) =>
    agency.sources.map((source, index) => {
      const name = connectorName(source, index);
      const logger = deps.logger.child({ agency: agency.code, connector: name });
      switch (source.type) {
        case 'file-drop':
          return createFileDropConnector(agency.code, name, source, { ...deps, logger });
        case 'http-json':
          return createHttpJsonConnector(agency.code, name, source, { ...deps, logger });
      }
    }),
  );
}
