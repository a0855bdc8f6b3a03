import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dataOf, defined, firstError } from '../support/answers.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

let testHub: TestHub;
const SUBMIT = `mutation($a: String!, $r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: $a, records: $r) {
  batchId received inserted updated unchanged rejected results { index sourceRecordId outcome reasons { field rule value message } } } }`;
interface SubmitData {
  submitRecords: { results: { outcome: string }[] };
}
const asAgency = (variables: Record<string, unknown>, client = 'test-agency') =>
  testHub.gqlAs<SubmitData>(SUBMIT, variables, { client, purpose: 'DATA_SUBMISSION' });
const pushed = (overrides: Record<string, unknown>, id: string) => {
  const { kind, fields } = penaltyRecord(overrides, id);
  return { kind, sourceRecordId: id, fields };
};

beforeAll(async () => {
  testHub = await startTestHub();
});
afterAll(async () => testHub.close());

describe('push ingestion (submitRecords)', () => {
  test('each record’s outcome comes back in input order; bad ones are quarantined with field, rule and value', async () => {
    const response = await asAgency({
      a: 'SH-SAMR',
      r: [pushed({}, 'PUSH-1'), pushed({ CF_JDRQ: '2024-02-30' }, 'PUSH-2'), pushed({ CF_XDR_SHXYM: enterpriseUscc('310115', 2) }, 'PUSH-3')],
    });
    const result = dataOf(response.body).submitRecords;
    expect(result).toMatchObject({ received: 3, inserted: 2, updated: 0, unchanged: 0, rejected: 1 });
    expect(result.results).toEqual([
      { index: 0, sourceRecordId: 'PUSH-1', outcome: 'INSERTED', reasons: [] },
      { index: 1, sourceRecordId: 'PUSH-2', outcome: 'REJECTED', reasons: [expect.objectContaining({ field: 'CF_JDRQ', rule: 'DATE', value: '2024-02-30' })] },
      { index: 2, sourceRecordId: 'PUSH-3', outcome: 'INSERTED', reasons: [] },
    ]);
    const quarantine = await testHub.gqlAs<{ quarantine: { edges: { node: { sourceRecordId: string } }[] } }>(
      '{ quarantine(agencyCode: "SH-SAMR") { totalCount edges { node { sourceRecordId } } } }',
      {},
      { client: 'test-agency', purpose: 'DATA_SUBMISSION' },
    );
    expect(dataOf(quarantine.body).quarantine.edges.map((e) => e.node.sourceRecordId)).toEqual(['PUSH-2']);
    expect(response.body.extensions?.auditEntries).toHaveLength(1);
  });

  test('re-sending is UNCHANGED; a changed record is UPDATED; one id twice in a batch is applied in order', async () => {
    const response = await asAgency({
      a: 'SH-SAMR',
      r: [pushed({}, 'PUSH-1'), pushed({ CF_NR: '罚款人民币6万元', CF_NR_FK: '6' }, 'PUSH-3'), pushed({ CF_NR: '罚款人民币7万元', CF_NR_FK: '7' }, 'PUSH-3')],
    });
    expect(dataOf(response.body).submitRecords.results.map((r) => r.outcome)).toEqual(['UNCHANGED', 'UPDATED', 'UPDATED']);
    const record = await testHub.gqlAs<{
      records: { edges: { node: { sourceRecordId: string; penalty: { fine: { tenThousandYuan: string } }; history: { change: string }[] } }[] };
    }>(
      '{ records(filter: { agencyCodes: ["SH-SAMR"] }, first: 10) { edges { node { sourceRecordId penalty { fine { tenThousandYuan } } history { change } } } } }',
    );
    const push3 = defined(
      dataOf(record.body).records.edges.find((e) => e.node.sourceRecordId === 'PUSH-3'),
      'PUSH-3 among the records',
    ).node;
    expect(push3.penalty.fine.tenThousandYuan).toBe('7.000000');
    expect(push3.history.map((h) => h.change)).toEqual(['CREATED', 'UPDATED', 'UPDATED']);
  });

  test('an agency pushes only its own records; a bank not at all', async () => {
    const foreign = await asAgency({ a: 'ZJ-TAX', r: [pushed({}, 'X-1')] });
    expect(firstError(foreign.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_AGENCY' });
    const bank = await testHub.gqlAs<SubmitData>(SUBMIT, { a: 'SH-SAMR', r: [pushed({}, 'X-1')] }, { client: 'test-bank', purpose: 'LOAN_REVIEW' });
    expect(firstError(bank.body).extensions.reason).toBe('MISSING_SCOPE');
  });

  test('an empty or oversized batch, or fields that are not an object, are BAD_USER_INPUT', async () => {
    expect(firstError((await asAgency({ a: 'SH-SAMR', r: [] })).body)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', rule: 'BATCH_SIZE' } });
    const big = Array.from({ length: 1001 }, (_, i) => ({ kind: 'PENALTY', sourceRecordId: `B-${i}`, fields: {} }));
    expect(firstError((await asAgency({ a: 'SH-SAMR', r: big })).body).message).toMatch(/1 to 1000 records \(got 1001\)/);
    const notObject = await asAgency({ a: 'SH-SAMR', r: [{ kind: 'PENALTY', fields: 'CF_WSH=1' }] });
    expect(firstError(notObject.body).extensions.code).toBe('BAD_USER_INPUT');
  });
});
