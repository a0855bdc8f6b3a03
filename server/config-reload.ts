import { isDeepStrictEqual } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import { loadHubConfig } from './load-hub-config.js';
import type { AgencyConfig, HubConfig, SourceConfig } from './hub-config.js';
import { connectorName, createConnector } from '../connectors/index.js';
import type { Connector, ConnectorDeps } from '../connectors/types.js';
import { InvalidInputError } from '../ingestion/errors.js';
import type { ConfigurationReload } from '../schema/context.js';

/** A source's key in the lookup: `<agency code>/<connector name>`. */
const sourceKey = (agencyCode: string, name: string) => `${agencyCode}/${name}`;

/**
 * Settings of a source that a restart must apply: its schedule (the cron task is made at start) and
 * its type (another connector altogether). Everything else (mapping, url, paging, params, response,
 * page size, timeouts, credentials files) is read afresh at the start of each run.
 */
const RESTART_SOURCE_KEYS: ReadonlySet<string> = new Set(['type', 'schedule']);

/**
 * The configured sources' connectors, each built from its source's current settings at the start of
 * every run: swapping a source's settings in `sources` takes effect at its next run, and a run in
 * progress finishes with the settings it began with.
 */
export function reloadableConnectors(agencies: readonly AgencyConfig[], deps: ConnectorDeps): { connectors: Connector[]; sources: Map<string, SourceConfig> } {
  const sources = new Map<string, SourceConfig>();
  const connectors = agencies.flatMap((agency) =>
    agency.sources.map((source, index): Connector => {
      const name = connectorName(source, index);
      const key = sourceKey(agency.code, name);
      sources.set(key, source);
      const logger = deps.logger.child({ agency: agency.code, connector: name });
      return {
        type: source.type,
        name,
        agencyCode: agency.code,
        run: (report) => createConnector(agency.code, name, sources.get(key) ?? source, { ...deps, logger }).run(report),
      };
    }),
  );
  return { connectors, sources };
}

/** The settings that differ between two configurations: those a running hub can take, and those that need a restart. */
export function planReload(running: HubConfig, next: HubConfig): { changed: string[]; needsRestart: string[]; sources: Map<string, SourceConfig> } {
  const changed: string[] = [];
  const needsRestart: string[] = [];
  const sources = new Map<string, SourceConfig>();
  for (const key of unionKeys(running, next)) {
    if (key !== 'agencies' && !isDeepStrictEqual(running[key], next[key])) needsRestart.push(key);
  }
  const nextAgencies = new Map(next.agencies.map((agency) => [agency.code, agency]));
  for (const agency of running.agencies) {
    const incoming = nextAgencies.get(agency.code);
    if (!incoming) {
      needsRestart.push(`agencies.${agency.code} (removed)`);
      continue;
    }
    for (const key of unionKeys(agency, incoming)) {
      if (key !== 'sources' && !isDeepStrictEqual(agency[key], incoming[key])) needsRestart.push(`agencies.${agency.code}.${key}`);
    }
    const nextSources = new Map(incoming.sources.map((source, index) => [connectorName(source, index), source]));
    agency.sources.forEach((source, index) => {
      const name = connectorName(source, index);
      const path = `agencies.${agency.code}.sources.${name}`;
      const candidate = nextSources.get(name);
      nextSources.delete(name);
      if (!candidate) return void needsRestart.push(`${path} (removed)`);
      const differing = unionKeys(source, candidate).filter((key) => !isDeepStrictEqual(source[key], candidate[key]));
      if (differing.length === 0) return;
      if (differing.includes('type')) return void needsRestart.push(`${path}.type`);
      needsRestart.push(...differing.filter((key) => RESTART_SOURCE_KEYS.has(key)).map((key) => `${path}.${key}`));
      const applied = differing.filter((key) => !RESTART_SOURCE_KEYS.has(key));
      if (applied.length === 0) return;
      changed.push(...applied.map((key) => `${path}.${key}`));
      // The schedule stays as it runs, so what the hub shows is what it does.
      const settings = { ...candidate };
      delete settings.schedule;
      sources.set(sourceKey(agency.code, name), source.schedule === undefined ? settings : { ...settings, schedule: source.schedule });
    });
    for (const name of nextSources.keys()) needsRestart.push(`agencies.${agency.code}.sources.${name} (added)`);
    nextAgencies.delete(agency.code);
  }
  for (const code of nextAgencies.keys()) needsRestart.push(`agencies.${code} (added)`);
  return { changed, needsRestart, sources };
}

function unionKeys<T extends object>(a: T, b: T): (keyof T & string)[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof T & string)[];
}

export interface ConfigReloaderDeps {
  /** The config file the hub started from. */
  readonly path: string;
  /** The configuration the hub started with. */
  readonly initial: HubConfig;
  /** The live source lookup the connectors read at each run (see reloadableConnectors). */
  readonly sources: Map<string, SourceConfig>;
}

/**
 * Re-reads the config file and applies what a running hub can take (each source's settings but its
 * type and schedule); the rest is reported as needing a restart. A file that cannot be read or is
 * invalid changes nothing: InvalidInputError naming every problem. Of two reloads planned at once,
 * the second to apply is refused (its differences were computed against what no longer runs).
 */
export function createConfigReloader(deps: ConfigReloaderDeps): { plan(): Promise<ConfigurationReload & { apply(): void }> } {
  let running = deps.initial;
  return {
    plan: async () => {
      const next = await loadHubConfig(deps.path).catch((error: unknown) => {
        if (error instanceof ConfigError) throw new InvalidInputError(`configuration not reloaded, the running one is kept: ${error.message}`);
        throw error;
      });
      const { changed, needsRestart, sources } = planReload(running, next);
      const base = running;
      return {
        changed,
        needsRestart,
        apply: () => {
          // A plan made before another reload applied is stale: its differences were computed against an older running configuration.
          if (running !== base) throw new InvalidInputError('configuration changed by another reload meanwhile: reload again');
          for (const [key, source] of sources) deps.sources.set(key, source);
          running = withSources(running, sources);
        },
      };
    },
  };
}

/** The configuration with these sources (by key) replaced: what now runs. */
function withSources(config: HubConfig, sources: ReadonlyMap<string, SourceConfig>): HubConfig {
  return {
    ...config,
    agencies: config.agencies.map((agency) => ({
      ...agency,
      sources: agency.sources.map((source, index) => sources.get(sourceKey(agency.code, connectorName(source, index))) ?? source),
    })),
  };
}
