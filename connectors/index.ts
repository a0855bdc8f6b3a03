import type { AgencyConfig } from '../server/hub-config.js';
import { createFileDropConnector } from './file-drop/index.js';
import { createHttpJsonConnector } from './http-json/index.js';
import type { Connector, ConnectorDeps } from './types.js';

/** A source's configured name, or its type and position: 'file-drop-1'. */
export function connectorName(source: AgencyConfig['sources'][number], index: number): string {
  return source.name ?? `${source.type}-${index + 1}`;
}

/** The connector of one configured source, under its name. Register a new source type here. */
export function createConnector(agencyCode: string, name: string, source: AgencyConfig['sources'][number], deps: ConnectorDeps): Connector {
  switch (source.type) {
    case 'file-drop':
      return createFileDropConnector(agencyCode, name, source, deps);
    case 'http-json':
      return createHttpJsonConnector(agencyCode, name, source, deps);
  }
}
