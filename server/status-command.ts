import { connectorName } from '../connectors/index.js';
import type { HubConfig } from './hub-config.js';
import { inChinaTime } from '../ingestion/dates.js';
import type { HubDb } from '../store/database.js';
import { readStoreGauges } from '../store/metrics-queries.js';

/** What `npm run hub -- status` reports: the running hub's readiness and, where the database can be read, its store. */
export interface HubStatus {
  readonly hub: { readonly url: string; readonly answered: boolean; readonly ready: boolean; readonly readiness: unknown };
  readonly store:
    | {
        readonly auditEntries: number;
        readonly lastCheckpointAt: string | null;
        readonly openQuarantine: Readonly<Record<string, number>>;
        readonly sources: readonly { agency: string; connector: string; lastSuccessfulRunAt: string | null }[];
      }
    | { readonly unavailable: string };
}

/** The running hub's /readyz answer, or that it did not answer (not running, or another address). */
export async function probeReadiness(hubUrl: string): Promise<HubStatus['hub']> {
  const url = new URL('/readyz', hubUrl).toString();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { url, answered: true, ready: response.ok, readiness: await response.json().catch(() => null) };
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    return { url, answered: false, ready: false, readiness: typeof code === 'string' ? code : 'no answer' };
  }
}

/** The store's part of the status: audit log head and checkpoint, open quarantine, each configured source's last success. */
export async function readStoreStatus(db: HubDb, config: HubConfig): Promise<HubStatus['store']> {
  const sources = config.agencies.flatMap((agency) =>
    agency.sources.map((source, index) => ({ agencyCode: agency.code, connector: connectorName(source, index) })),
  );
  const gauges = await readStoreGauges(db, sources);
  return {
    auditEntries: gauges.auditEntries,
    lastCheckpointAt: gauges.lastCheckpointAt ? inChinaTime(gauges.lastCheckpointAt) : null,
    openQuarantine: Object.fromEntries(gauges.openQuarantine),
    sources: sources.map((s) => {
      const last = gauges.lastSuccessfulRun.get(`${s.agencyCode}/${s.connector}`);
      return { agency: s.agencyCode, connector: s.connector, lastSuccessfulRunAt: last ? inChinaTime(last) : null };
    }),
  };
}

/** The status as lines for a person. */
export function statusLines(status: HubStatus): string[] {
  const { hub, store } = status;
  const lines = [
    hub.answered
      ? `hub at ${hub.url}: ${hub.ready ? 'ready' : 'NOT READY'} ${JSON.stringify(hub.readiness)}`
      : `hub at ${hub.url}: no answer (${String(hub.readiness)})`,
  ];
  if ('unavailable' in store) return [...lines, `store: ${store.unavailable}`];
  lines.push(`audit log: ${store.auditEntries} entries; last signed checkpoint ${store.lastCheckpointAt ?? 'none yet'}`);
  const quarantine = Object.entries(store.openQuarantine);
  lines.push(`open quarantine: ${quarantine.length ? quarantine.map(([agency, open]) => `${agency} ${open}`).join(', ') : 'none'}`);
  for (const source of store.sources) lines.push(`source ${source.agency}/${source.connector}: last successful run ${source.lastSuccessfulRunAt ?? 'never'}`);
  return lines;
}
