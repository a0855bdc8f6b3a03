import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { penaltyRecord } from '../support/records.js';

interface Field {
  code: string;
  value: string;
  valueLabel: string | null;
}
interface Answer {
  data?: { records: { edges: { node: { sourceRecordId: string; standardFields: Field[] } }[] } };
}

let testHub: TestHub;

beforeAll(async () => {
  testHub = await startTestHub();
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: [penaltyRecord({ CF_XDR_LB: '法人及非法人组织', CF_ZT: '有效' }, 'CODED-1')],
  });
});
afterAll(async () => testHub.close());

describe('coded standard columns carry their meaning beside the code', () => {
  test('行政相对人类别 sent as a name is stored as its code and labelled; 当前状态 is labelled; a free-text column has no label', async () => {
    const response = await testHub.gql(
      '{ records(filter: { kinds: [PENALTY] }) { edges { node { sourceRecordId standardFields { code value valueLabel } } } } }',
    );
    const answer = response.body as Answer;
    const record = answer.data?.records.edges.find((edge) => edge.node.sourceRecordId === 'CODED-1')?.node;
    const field = (code: string) => record?.standardFields.find((f) => f.code === code);
    expect(field('CF_XDR_LB')).toEqual({ code: 'CF_XDR_LB', value: '02', valueLabel: '法人' });
    expect(field('CF_ZT')).toEqual({ code: 'CF_ZT', value: 'ACTIVE', valueLabel: '有效' });
    expect(field('CF_WSH')?.valueLabel).toBeNull();
  });
});
