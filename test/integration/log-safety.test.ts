import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { createLogger } from '../../server/logger.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ingestionDeps, registerTestAgencies } from '../support/ingestion.js';
import { penaltyRecord } from '../support/records.js';

/** No log line carries row data: what reaches the service log when the database refuses a statement or a record is refused. */

const ID_NUMBER = '11010519491231002X';
let database: TestDatabase;

/** A service logger (the production one) writing into memory. */
function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
});
afterAll(async () => database.dispose());

describe('the service log', () => {
  test('a database error is logged with its code, message and statement, never its parameters or the rows they quote', async () => {
    const { logger, lines } = capturedLogger();
    const rows = JSON.stringify([{ CF_XDR_ZJHM: ID_NUMBER, note: 'bad\u0000' }]);
    const error = await sql`select ${rows}::jsonb, ${ID_NUMBER}::int`.execute(database.db).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    logger.error({ err: error }, 'batch failed');
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0] ?? '{}') as { err: Record<string, unknown> };
    expect(logged.err).toMatchObject({ type: expect.any(String), message: expect.any(String), code: expect.stringMatching(/^[0-9A-Z]{5}$/) });
    expect(Object.keys(logged.err).sort()).toEqual(expect.arrayContaining(['code', 'message', 'type']));
    for (const key of ['params', 'parameters', 'detail', 'where', 'query']) expect(logged.err).not.toHaveProperty(key);
    expect(lines[0]).not.toContain(ID_NUMBER);
    expect(lines[0]).not.toContain(ID_NUMBER.slice(4, 14));
  });

  test("an identity number in an error's own message is masked", () => {
    const { logger, lines } = capturedLogger();
    logger.error({ err: new Error(`invalid input syntax for type integer: "${ID_NUMBER}"`) }, 'failed');
    expect(lines[0]).not.toContain(ID_NUMBER);
    expect(lines[0]).toContain('1101**********002X');
  });

  test('a batch with NUL and an unpaired surrogate in records of natural persons: the bad records are refused with CONTROL_CHARACTER, the others stored, and the log holds no identity number', async () => {
    const { logger, lines } = capturedLogger();
    const person = (overrides: Record<string, unknown>, id: string) =>
      penaltyRecord(
        {
          CF_XDR_MC: '李四',
          CF_XDR_LB: '自然人',
          CF_XDR_SHXYM: '',
          CF_FRDB: '',
          CF_XDR_ZJLX: '身份证',
          CF_XDR_ZJHM: ID_NUMBER,
          CF_WSH: `沪市监处〔2024〕${id}号`,
          ...overrides,
        },
        id,
      );
    const result = await ingestBatch(ingestionDeps(database.db, { logger }), {
      agencyCode: 'SH-SAMR',
      source: 'test',
      records: [
        person({}, 'N-1'),
        person({ CF_SY: '经查\u0000当事人' }, 'N-2'),
        person({ CF_NR: '罚款\uD800' }, 'N-3'),
        person({ CF_XDR_ZJHM: `${ID_NUMBER}\u0000` }, 'N-4'),
      ],
    });
    expect(result).toMatchObject({ received: 4, inserted: 1, rejected: 3 });
    const reasons = await database.db
      .selectFrom('quarantine')
      .select(['source_record_id', 'reasons'])
      .where('source_record_id', 'in', ['N-2', 'N-3', 'N-4'])
      .orderBy('source_record_id')
      .execute();
    expect(reasons.map((row) => (row.reasons as { field: string; rule: string }[]).map((r) => `${r.field} ${r.rule}`))).toEqual([
      ['CF_SY CONTROL_CHARACTER'],
      ['CF_NR CONTROL_CHARACTER'],
      ['CF_XDR_ZJHM CONTROL_CHARACTER'],
    ]);
    expect(JSON.stringify(reasons)).not.toContain(ID_NUMBER);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(ID_NUMBER);
  });
});
