import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mappingSchema, type Mapping } from '../../connectors/mapping-schema.js';
import { replayQuarantine } from '../../connectors/replay-quarantine.js';
import type { Connector, ConnectorDeps, RunTotals } from '../../connectors/types.js';
import { writePreparedBatch } from '../../ingestion/ingest-batch.js';
import { RunsInProgress, runConnector } from '../../jobs/run-connector.js';
import { hubConnectorDeps } from '../../server/connector-deps.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { ingestionDeps, registerTestAgencies } from './ingestion.js';
import { enterpriseUscc, penaltyRecord } from './records.js';
import { testLogger } from './test-log.js';
import { defined } from './answers.js';

/** One row as the agency sends it, in its own columns. */
export type AgencyRow = Readonly<Record<string, unknown>>;

/** A source of one connector type that a test controls: what it holds, and how its next read goes wrong. */
export interface ConformanceSource {
  /** From now on the source holds exactly these rows: the truth a run must store. */
  serve(rows: readonly AgencyRow[]): Promise<void>;
  /** The next read breaks off part-way (a file cut mid-line, a page whose connection drops mid-body). */
  truncateNextRead(): Promise<void>;
  /** The next read gets input that is not the agreed format (bytes that are not text, a body that is not JSON). */
  malformNextRead(): Promise<void>;
  /** The next read gets no answer at all; absent for a source that cannot hang (a local folder). */
  hangNextRead?: () => void;
  close(): Promise<void>;
}

/**
 * What the suite needs to know about a connector type: how to make a source and the connector that
 * reads it. Given to defineConnectorConformanceSuite, like Apollo's defineIntegrationTestSuite(createServer).
 */
export interface ConnectorHarness<Source extends ConformanceSource> {
  createSource(): Promise<Source>;
  /** The connector of agency SH-SAMR named `name`, reading `source` with `mapping`, given only `deps`. */
  createConnector(source: Source, name: string, mapping: Mapping, deps: ConnectorDeps): Connector;
  /** Rows enough for a read to take more than one batch, so a run can stop between two. */
  readonly rowsForSeveralBatches: number;
  /** The source's timeout for an answer (for a source that can hang), ms. */
  readonly timeoutMs?: number;
}

const AGENCY = 'SH-SAMR';
/** The agency names its decision number 决定书文号 and sends its own record id and change time. */
const MAPPING = { kindColumn: 'kind', sourceRecordIdColumn: 'id', columns: { 决定书文号: 'CF_WSH' }, ignoreColumns: ['updated_at'] };
/** The fix an operator makes once the quarantine shows the agency also sends 备注 (remarks). */
const FIXED_MAPPING = { ...MAPPING, columns: { ...MAPPING.columns, 备注: 'BZ' } };

/** A source's truth: `good` valid rows, 2 that carry the column the first mapping lacks, 1 with an impossible date. */
function truth(prefix: string, seed: number, good = 9): { rows: AgencyRow[]; valid: string[]; unmapped: string[] } {
  const row = (n: number, extra: Record<string, unknown> = {}): AgencyRow => {
    const { CF_WSH: wsh, ...fields } = penaltyRecord({
      CF_XDR_SHXYM: enterpriseUscc('310115', seed + n),
      CF_WSH: `沪罚〔2024〕${prefix}${n}号`,
      CF_SY: `事由 ${n}`,
      ...extra,
    }).fields;
    const updatedAt = new Date(Date.UTC(2024, 4, 1, 8, 0, n)).toISOString();
    return { kind: 'PENALTY', id: `${prefix}${n}`, updated_at: updatedAt, 决定书文号: wsh, ...fields };
  };
  const rows = Array.from({ length: good }, (_, n) => row(n));
  rows.push(row(good, { 备注: '经查，当事人' }), row(good + 1, { 备注: '复核' }), row(good + 2, { CF_JDRQ: '2024-02-30' }));
  return { rows, valid: rows.slice(0, good).map((r) => String(r['id'])), unmapped: [`${prefix}${good}`, `${prefix}${good + 1}`] };
}

/**
 * The contract every connector type keeps (file drop, http-json, the partner-hub connector to come):
 * exact-once storage against a source with known truth, an unchanged re-run, resume after a run that
 * died between batches, a mapping fix plus replay, truncated and malformed input, a hanging source,
 * and one run at a time. Resume after a real SIGKILL of the hub process is in test/e2e/sync-faults.test.ts
 * (http-json): a process per connector type would make this suite an e2e one.
 */
export function defineConnectorConformanceSuite<Source extends ConformanceSource>(type: string, harness: ConnectorHarness<Source>): void {
  describe(`connector conformance: ${type}`, () => {
    let database: TestDatabase;
    let deps: ConnectorDeps;
    const sources: Source[] = [];
    let seed = 0;

    beforeAll(async () => {
      database = await createTestDatabase();
      await registerTestAgencies(database.db);
      deps = hubConnectorDeps(ingestionDeps(database.db), testLogger(), () => Promise.resolve('unused'));
    });
    afterAll(async () => {
      await Promise.all(sources.map((source) => source.close()));
      await database.dispose();
    });

    /** A fresh source and connector per test: names, record ids and subjects of one test are its own. */
    async function setUp(name: string, mapping: unknown = MAPPING, connectorDeps: ConnectorDeps = deps) {
      const source = await harness.createSource();
      sources.push(source);
      seed += 1000;
      const prefix = `${name.toUpperCase()}-`;
      const connector = (m: unknown = mapping, d: ConnectorDeps = connectorDeps) => harness.createConnector(source, name, mappingSchema.parse(m), d);
      return { source, prefix, seed, connector };
    }

    /** What the store holds of these records: id → [document number, 事由], each record once. */
    async function stored(prefix: string): Promise<Map<string, [unknown, unknown]>> {
      const rows = await database.db
        .selectFrom('records')
        .select(['source_record_id', 'fields'])
        .where('agency_code', '=', AGENCY)
        .where('source_record_id', 'like', `${prefix}%`)
        .execute();
      return new Map(rows.map((r) => [r.source_record_id, [r.fields['CF_WSH'], r.fields['CF_SY']]]));
    }
    const expected = (rows: readonly AgencyRow[], ids: readonly string[]) =>
      new Map(rows.filter((r) => ids.includes(String(r['id']))).map((r) => [String(r['id']), [r['决定书文号'], r['CF_SY']] as [unknown, unknown]]));
    const openEntries = async (prefix: string) =>
      database.db
        .selectFrom('quarantine')
        .select(['source_record_id', 'reasons'])
        .where('agency_code', '=', AGENCY)
        .where('status', '=', 'OPEN')
        .where('source_record_id', 'like', `${prefix}%`)
        .orderBy('source_record_id')
        .execute();

    test('stores the truth exactly once; a re-run is all unchanged; a changed row is updated', async () => {
      const { source, prefix, seed, connector } = await setUp('exact');
      const { rows, valid } = truth(prefix, seed);
      await source.serve(rows);
      expect(await connector().run()).toMatchObject({ received: rows.length, inserted: valid.length, rejected: 3 });
      expect(await stored(prefix)).toEqual(expected(rows, valid));
      expect(await openEntries(prefix)).toHaveLength(3);

      const again = await connector().run();
      expect(again).toMatchObject({ inserted: 0, updated: 0 });
      expect(again.unchanged).toBe(again.received - again.rejected);
      expect(await openEntries(prefix)).toHaveLength(3);

      const changed = rows.map((r, n) => (n === 0 ? { ...r, CF_SY: '事由 更正', updated_at: '2024-05-02T00:00:00.000Z' } : r));
      await source.serve(changed);
      expect(await connector().run()).toMatchObject({ inserted: 0, updated: 1 });
      expect(await stored(prefix)).toEqual(expected(changed, valid));
    });

    test('a mapping fix plus replay stores the rows first refused for an unmapped column, with their text as sent', async () => {
      const { source, prefix, seed, connector } = await setUp('replay');
      const { rows, valid, unmapped } = truth(prefix, seed);
      await source.serve(rows);
      await connector().run();
      expect((await openEntries(prefix)).filter((e) => unmapped.includes(String(e.source_record_id))).flatMap((e) => e.reasons)).toEqual([
        expect.objectContaining({ field: '备注', rule: 'UNMAPPED_COLUMN' }),
        expect.objectContaining({ field: '备注', rule: 'UNMAPPED_COLUMN' }),
      ]);
      const replay = await replayQuarantine(ingestionDeps(database.db), AGENCY, new Map([['replay', mappingSchema.parse(FIXED_MAPPING)]]));
      expect(replay).toMatchObject({ replayed: 2, inserted: 2 });
      expect(await stored(prefix)).toEqual(expected(rows, [...valid, ...unmapped]));
      const remark = await database.db
        .selectFrom('records')
        .select('fields')
        .where('agency_code', '=', AGENCY)
        .where('source_record_id', '=', defined(unmapped[0], 'an unmapped row'))
        .executeTakeFirstOrThrow();
      expect(remark.fields['BZ']).toBe('经查，当事人');
      // The impossible date stays refused, for its real reason; reading the source again with the fix stores nothing twice.
      expect((await openEntries(prefix)).flatMap((e) => e.reasons)).toEqual([expect.objectContaining({ field: 'CF_JDRQ', rule: 'DATE' })]);
      expect(await connector(FIXED_MAPPING).run()).toMatchObject({ inserted: 0, updated: 0 });
    });

    test('a run that dies between batches leaves no half-written batch; the next run completes exactly once', async () => {
      // The second batch's transaction fails after its rows were written, as a killed process's does.
      let writes = 0;
      const ingestion = ingestionDeps(database.db);
      const dying: ConnectorDeps = {
        ...deps,
        write: (batch, options) => {
          writes += 1;
          if (writes !== 2) return deps.write(batch, options);
          return writePreparedBatch(ingestion, batch, () => Promise.reject(new Error('process killed mid-transaction')));
        },
      };
      const { source, prefix, seed, connector } = await setUp('resume', MAPPING, dying);
      const { rows, valid } = truth(prefix, seed, harness.rowsForSeveralBatches);
      await source.serve(rows);
      await expect(connector().run()).rejects.toThrow('process killed');
      const partial = await stored(prefix);
      expect(partial.size).toBeGreaterThan(0);
      expect(partial.size).toBeLessThan(valid.length);
      const batches = await database.db
        .selectFrom('ingestion_batches')
        .select(['received'])
        .where('agency_code', '=', AGENCY)
        .where('finished_at', 'is', null)
        .execute();
      expect(batches).toEqual([]);

      await connector(MAPPING, deps).run();
      expect(await stored(prefix)).toEqual(expected(rows, valid));
      expect(await openEntries(prefix)).toHaveLength(3);
    });

    test('truncated input fails or quarantines cleanly: the store keeps what it had, and a clean read completes it', async () => {
      const { source, prefix, seed, connector } = await setUp('truncated');
      const { rows, valid } = truth(prefix, seed);
      await source.serve(rows);
      await source.truncateNextRead();
      const outcome = await connector()
        .run()
        .then(
          (totals: RunTotals) => ({ totals }),
          (error: unknown) => ({ error }),
        );
      if ('error' in outcome)
        expect(outcome.error).toMatchObject({
          name: 'ConnectorFailure',
          reason: expect.stringMatching(/^(INCOMPLETE_PAGE|BAD_RESPONSE|UPSTREAM_UNAVAILABLE)$/),
        });
      const afterCut = await stored(prefix);
      for (const [id, content] of afterCut) expect(expected(rows, valid).get(id)).toEqual(content);
      await source.serve(rows);
      await connector().run();
      expect(await stored(prefix)).toEqual(expected(rows, valid));
    });

    test('malformed input fails or quarantines cleanly, with nothing stored from it', async () => {
      const { source, prefix, seed, connector } = await setUp('malformed');
      const { rows } = truth(prefix, seed);
      await source.serve(rows);
      await source.malformNextRead();
      const outcome = await connector()
        .run()
        .then(
          (totals: RunTotals) => ({ totals }),
          (error: unknown) => ({ error }),
        );
      if ('error' in outcome)
        expect(outcome.error).toMatchObject({ name: 'ConnectorFailure', reason: expect.stringMatching(/^(BAD_RESPONSE|INCOMPLETE_PAGE|SOURCE_UNREADABLE)$/) });
      else expect(outcome.totals).toMatchObject({ inserted: 0, updated: 0 });
      expect((await stored(prefix)).size).toBe(0);
    });

    if (harness.timeoutMs !== undefined) {
      const timeoutMs = harness.timeoutMs;
      test('a source that hangs fails the run with UPSTREAM_TIMEOUT within its timeout', async () => {
        const { source, prefix, seed, connector } = await setUp('hang');
        await source.serve(truth(prefix, seed).rows);
        source.hangNextRead?.();
        const started = Date.now();
        await expect(connector().run()).rejects.toMatchObject({ name: 'ConnectorFailure', reason: 'UPSTREAM_TIMEOUT' });
        expect(Date.now() - started).toBeLessThan(timeoutMs * 3);
      });
    }

    test('one run at a time: a second request while a run is under way starts none and names the run in progress', async () => {
      const { source, prefix, seed, connector } = await setUp('single');
      const { rows, valid } = truth(prefix, seed);
      await source.serve(rows);
      const runDeps = { db: database.db, logger: testLogger(), unhealthyAfterFailures: 3, runs: new RunsInProgress() };
      const [first, second] = await Promise.all([runConnector(runDeps, connector()), runConnector(runDeps, connector())]);
      const outcomes = [first, second];
      expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
      const skipped = outcomes.find((o) => !o.ran);
      expect(skipped?.ran === false ? skipped.inProgress : undefined).toMatchObject({ id: expect.any(Number) });
      expect(await stored(prefix)).toEqual(expected(rows, valid));
      expect(await openEntries(prefix)).toHaveLength(3);
    });
  });
}
