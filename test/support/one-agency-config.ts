import type { HttpJsonSourceConfig } from '../../connectors/http-json/config.js';
import { hubConfigSchema, type SourceConfig } from '../../server/hub-config.js';
import { AUTHORITY_USCC } from './records.js';

/** A hub config file's content, before parsing, with one agency (SH-SAMR) reading from `source`. */
export function oneAgencyConfig(source: Record<string, unknown>) {
  return {
    hub: { id: 'hub-test', region: '310000' },
    agencies: [{ code: 'SH-SAMR', name: 'x', region: '310000', uscc: AUTHORITY_USCC, sources: [source] }],
  };
}

/** `source` as the hub's config schema parses it, defaults filled in; throws what the schema refuses. */
export function parsedSource(source: Record<string, unknown>): SourceConfig {
  const parsed = hubConfigSchema.parse(oneAgencyConfig(source)).agencies[0]?.sources[0];
  if (parsed === undefined) throw new Error('the parsed config has no source');
  return parsed;
}

/** As parsedSource, for an http-json source. */
export function parsedHttpJsonSource(source: Record<string, unknown>): HttpJsonSourceConfig {
  const parsed = parsedSource(source);
  if (parsed.type !== 'http-json') throw new Error('expected the parsed http-json source');
  return parsed;
}
