import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse, validate } from 'graphql';
import * as operations from '../../console/operations.js';
import { createSchema } from '../../schema/index.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { ingest } from '../support/ingestion.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';
import { fieldOf } from '../support/answers.js';

const PUDONG = enterpriseUscc('310115', 1);
/** A USCC whose check digit fails: refused into the quarantine with only USCC_CHECKSUM. */
const BAD_CHECK_DIGIT = `${PUDONG.slice(0, 17)}${PUDONG.endsWith('0') ? '1' : '0'}`;

/** Each console operation with the variables a page sends. */
const CALLS: Readonly<Record<string, Record<string, unknown>>> = {
  ME: {},
  AGENCIES: {},
  AUDIT_HEAD: {},
  CLIENTS: {},
  RECORD_STATISTICS: {},
  INSPECTION_DRAWS: {},
  REPAIR_REQUESTS: {},
  GRADE_DISTRIBUTION: {},
  AGENCY_STATE: { agencyCode: 'SH-SAMR', batches: 100, runs: 20, quarantine: 50 },
  SEARCH_SUBJECTS: { name: '浦东示例' },
  SUBJECT_PROFILE: { uscc: PUDONG, filter: {} },
  SUBJECT_ACCESS_LOG: { uscc: PUDONG },
  AUDIT_SEARCH: { filter: { uscc: PUDONG } },
  AUTHORIZATIONS: { uscc: PUDONG },
};

const documents = Object.entries(operations).flatMap(([name, value]) =>
  typeof value === 'object' && 'document' in value ? [[name, value.document] as const] : [],
);

let testHub: TestHub;
beforeAll(async () => {
  testHub = await startTestHub();
  await ingest(testHub.database.db, [
    penaltyRecord(),
    permitRecord(),
    penaltyRecord({ CF_XDR_SHXYM: BAD_CHECK_DIGIT, CF_WSH: '沪市监浦处〔2024〕2号' }, 'CF-0002'),
  ]);
});
afterAll(async () => {
  await testHub.close();
});

describe('the console operations', () => {
  test('every one is valid against the hub schema', () => {
    const schema = createSchema();
    expect(documents.length).toBeGreaterThan(15);
    for (const [name, document] of documents) expect([name, validate(schema, parse(document)).map((error) => error.message)]).toEqual([name, []]);
  });

  test('every query a page sends runs for an operator without an error, within the price limit', async () => {
    for (const [name, document] of documents) {
      if (document.trimStart().startsWith('mutation')) continue;
      const variables = CALLS[name];
      expect([name, variables === undefined]).toEqual([name, false]);
      const response = await testHub.gql(document, variables);
      expect([name, response.status, fieldOf(response.body, 'errors')]).toEqual([name, 200, undefined]);
    }
  });
});

describe('recordCounts', () => {
  test('counts records by kind and origin region, active apart', async () => {
    const response = await testHub.gql(operations.RECORD_STATISTICS.document);
    expect(fieldOf(response.body, 'data', 'recordCounts')).toEqual([
      { kind: 'PENALTY', region: { code: '310000', name: '上海市' }, active: 1, count: 1 },
      { kind: 'PERMIT', region: { code: '310000', name: '上海市' }, active: 1, count: 1 },
    ]);
  });

  test('needs records:read', async () => {
    const response = await testHub.gql(operations.RECORD_STATISTICS.document, {}, { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION' });
    expect(fieldOf(response.body, 'errors', 0, 'extensions', 'reason')).toBe('MISSING_SCOPE');
  });
});
