import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { startConnectorRun } from '../../store/connector-run-queries.js';
import { dataOf, type AnswerOf, type GraphQLBody } from '../support/answers.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { penaltyRecord } from '../support/records.js';

// The three agency logs (batches, connector runs, quarantine) share one keyset pager (store/agency-log-pager.ts):
// every page newest first, scoped to the agency asked for, the last one saying no page follows.

let testHub: TestHub;
beforeAll(async () => {
  testHub = await startTestHub();
  for (const [agencyCode, sourceRecordId] of [
    ['SH-SAMR', 'CF-0001'],
    ['ZJ-TAX', 'CF-0002'],
    ['SH-SAMR', 'CF-0003'],
    ['SH-SAMR', 'CF-0004'],
  ] as const) {
    // A bad USCC: each batch is logged and its record quarantined.
    await ingestBatch(testHub.hub.ingestion, { agencyCode, source: 'test', records: [penaltyRecord({ CF_XDR_SHXYM: 'not-a-uscc' }, sourceRecordId)] });
    await startConnectorRun(testHub.database.db, agencyCode, 'feed');
  }
});
afterAll(() => testHub.close());

interface LogPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: { id: string; agencyCode: string } }[];
}

/** Every page of one log of SH-SAMR, two rows at a time. */
async function allPages(field: 'ingestionBatches' | 'connectorRuns' | 'quarantine'): Promise<LogPage[]> {
  const pages: LogPage[] = [];
  let after: string | null = null;
  do {
    const response: AnswerOf<GraphQLBody<Record<string, LogPage>>> = await testHub.gqlAs<Record<string, LogPage>>(
      `query($after: String) { ${field}(agencyCode: "SH-SAMR", first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id agencyCode } } } }`,
      { after },
    );
    const page = dataOf(response.body)[field];
    if (!page) throw new Error(`no ${field} in the answer`);
    pages.push(page);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after !== null);
  return pages;
}

describe('agency log pages', () => {
  test.each(['ingestionBatches', 'connectorRuns', 'quarantine'] as const)('%s: newest first, two pages, the agency only', async (field) => {
    const pages = await allPages(field);
    expect(pages.map((page) => [page.totalCount, page.edges.length, page.pageInfo.hasNextPage])).toEqual([
      [3, 2, true],
      [3, 1, false],
    ]);
    const nodes = pages.flatMap((page) => page.edges.map((edge) => edge.node));
    expect(nodes.map((node) => node.agencyCode)).toEqual(['SH-SAMR', 'SH-SAMR', 'SH-SAMR']);
    const ids = nodes.map((node) => Number(node.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(3);
  });
});
