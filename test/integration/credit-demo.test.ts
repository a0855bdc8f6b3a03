import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { creditSchema } from '../../config/credit-model-schema.js';
import { loadHubConfig } from '../../server/load-hub-config.js';
import type { HubConfig } from '../../server/hub-config.js';
import { findModel, modelFingerprint } from '../../credit/credit-model.js';
import { gradeAllSubjects } from '../../credit/grading.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { graphqlOperations, readmeBlocks, type GraphqlAnswer } from '../support/readme-examples.js';

/** The README's credit examples on the demo: its configuration, its data, its admin client. */

let config: HubConfig;
let testHub: TestHub;
const ADMIN = { client: 'demo-admin', purpose: 'OPERATIONS' };

beforeAll(async () => {
  config = await loadHubConfig('config/demo.config.json');
  testHub = await startTestHub(config);
  await testHub.hub.loadSources();
  await gradeAllSubjects({ db: testHub.database.db, credit: config.credit, clock: () => FIXED_NOW });
}, 120_000);
afterAll(async () => testHub.close());

type Evaluation = {
  activeVersion: string;
  population: number;
  active: { count: number }[];
  candidate: { count: number }[];
  transitions: { from: string; to: string; count: number }[];
  populationStabilityIndex: string;
};
async function evaluate(version: string): Promise<Evaluation> {
  const body = (
    await testHub.gql(
      `{ evaluateModel(version: "${version}") { activeVersion population active { creditClass count } candidate { creditClass count } transitions { from to count } populationStabilityIndex } }`,
      {},
      ADMIN,
    )
  ).body as { errors?: unknown; data: { evaluateModel: Evaluation } };
  expect(body.errors).toBeUndefined();
  return body.data.evaluateModel;
}

describe('credit models of the demo', () => {
  test('2026.1 is the shipped default, unchanged (same fingerprint), and the initial version; 2026.2 is a candidate', () => {
    expect(config.credit.models.map((m) => m.version)).toEqual(['2026.1', '2026.2']);
    expect(config.credit.initialVersion).toBe('2026.1');
    const shipped = creditSchema.parse({}).models[0];
    const demo = findModel(config.credit, '2026.1');
    expect(shipped && demo && modelFingerprint(demo)).toBe(shipped && modelFingerprint(shipped));
  });

  test('evaluateModel(version: "2026.2") shows a real shift on the demo data; 2026.1 against itself none', async () => {
    const candidate = await evaluate('2026.2');
    expect(candidate.activeVersion).toBe('2026.1');
    expect(candidate.population).toBeGreaterThan(1000);
    expect(candidate.transitions.some((t) => t.from !== t.to && t.count > 0)).toBe(true);
    expect(Number(candidate.populationStabilityIndex)).toBeGreaterThan(0.01);
    const same = await evaluate('2026.1');
    expect(same.candidate).toEqual(same.active);
    expect(same.populationStabilityIndex).toBe('0.0000');
  });

  test('the README examples of "Differentiated supervision" run on the demo without an error (the last activates 2026.2)', async () => {
    const readme = await readFile('README.md', 'utf8');
    const sectionLine = readme.slice(0, readme.indexOf('## Differentiated supervision')).split('\n').length;
    const block = readmeBlocks(readme).find((candidate) => candidate.language === 'graphql' && candidate.line > sectionLine);
    const operations = block ? graphqlOperations(block) : [];
    expect(operations.length).toBeGreaterThanOrEqual(6);
    for (const { text: operation, caller } of operations) {
      expect({ operation, caller }).toEqual({ operation, caller: expect.objectContaining({ client: expect.any(String) }) });
      const body = (await testHub.gql(operation, {}, caller)).body as GraphqlAnswer;
      expect({ operation, errors: body.errors }).toEqual({ operation, errors: undefined });
      expect(Object.values(body.data ?? {})[0]).not.toBeNull();
    }
    const active = await testHub.database.db
      .selectFrom('credit_model_versions')
      .select('version')
      .orderBy('activated_at', 'desc')
      .where('activated_by', '=', 'demo-admin')
      .execute();
    expect(active.map((row) => row.version)).toEqual(['2026.2']);
  });
});
