import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import request from 'supertest';
import { tokenIdentity } from '../../server/hub-config.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { createSchema } from '../../schema/index.js';
import { CLIENT_ASSERTION_TYP, CLIENT_ASSERTION_TYPE } from '../../server/auth/client-authentication.js';
import { PURPOSE_HEADER } from '../../server/auth/require-access.js';
import { TEST_CLIENTS } from '../support/clients.js';
import { anyText, planValues, renderRequest, rootFieldPlans, type FuzzRequest, type PlausibleValues } from '../support/graphql-fuzz.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

/**
 * Arbitrary strings, numbers and cursors sent to every argument of every field (as variables and
 * written inline, by every kind of client) and arbitrary forms and assertions to the token endpoint:
 * the hub answers each with a client error or data, never HTTP 5xx or INTERNAL_SERVER_ERROR.
 * Deterministic (fixed seed); every failing input is listed, not only the first.
 */
const SEED = 20_261_209;
const RUNS_PER_FIELD = 30;
const TOKEN_ENDPOINT_RUNS = 300;

const PUDONG = enterpriseUscc('310115', 1);
const HANGZHOU = enterpriseUscc('330106', 3);
const UNCHECKED = `${PUDONG.slice(0, 17)}${PUDONG.endsWith('0') ? '1' : '0'}`;
const { issuer } = tokenIdentity(TEST_CONFIG);

const CALLERS = [
  { client: 'test-admin', purpose: 'OPERATIONS', weight: 6 },
  { client: 'test-agency', purpose: 'DATA_SUBMISSION', weight: 2 },
  { client: 'test-bank', purpose: 'LOAN_REVIEW', weight: 1 },
  { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION', weight: 1 },
] as const;

/** Values that pass each argument's own checks, by argument or scalar name (see graphql-fuzz.ts). */
const PLAUSIBLE: PlausibleValues = {
  USCC: [PUDONG, HANGZHOU, UNCHECKED],
  agencyCode: ['SH-SAMR', 'ZJ-TAX'],
  agencyCodes: ['SH-SAMR'],
  regions: ['310000', '330000'],
  nameContains: ['示例', '浦东示例科技'],
  id: ['1', '2', '3'],
  seq: [0, 1, 2],
  first: [1, 2, 5],
  idNumber: ['11010519491231002X'],
  clientId: ['test-bank', 'test-admin'],
  purpose: ['LOAN_REVIEW', 'OPERATIONS'],
  connector: ['file-drop-1'],
  justification: ['试点期间核发代码，经登记机关核实'],
  validUntil: ['2025-01-01'],
  from: ['2024-01-01T00:00:00+08:00'],
  to: ['2024-12-31T00:00:00+08:00'],
  sourceRecordId: ['P-FUZZ'],
  fields: [penaltyRecord({}, 'P-FUZZ').fields as Record<string, string>],
};

let testHub: TestHub;
const tokens = new Map<string, string>();

interface Failure {
  readonly input: string;
  readonly status: number;
  readonly answer: string;
}

/** What is wrong with an answer: a 5xx, or an error the hub did not expect. */
function failureOf(input: string, response: request.Response): Failure | undefined {
  const body = response.body as { errors?: unknown } | undefined;
  const errors = (Array.isArray(body?.errors) ? body.errors : []) as { extensions?: { code?: string } }[];
  const internal = errors.some((error) => error.extensions?.code === 'INTERNAL_SERVER_ERROR');
  if (response.status < 500 && !internal) return undefined;
  return { input: input.slice(0, 600), status: response.status, answer: JSON.stringify(response.body).slice(0, 300) };
}

async function sendGraphql(caller: (typeof CALLERS)[number], body: FuzzRequest): Promise<request.Response> {
  return request(testHub.hub.httpServer)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${tokens.get(caller.client) ?? ''}`)
    .set(PURPOSE_HEADER, caller.purpose)
    .send(body);
}

beforeAll(async () => {
  testHub = await startTestHub();
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: [
      penaltyRecord({}, 'P-1'),
      penaltyRecord({ CF_WSH: '沪罚〔2024〕2号', CF_JDRQ: '2024-02-01' }, 'P-2'),
      permitRecord({}, 'L-1'),
      penaltyRecord({ CF_XDR_SHXYM: UNCHECKED }, 'P-UNCHECKED'),
    ],
  });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'ZJ-TAX',
    source: 'test',
    records: [penaltyRecord({ CF_XDR_MC: '杭州西湖示例科技有限公司', CF_XDR_SHXYM: HANGZHOU, CF_JDRQ: '2023-06-01' }, 'ZJ-1')],
  });
  for (const caller of CALLERS) tokens.set(caller.client, await testHub.tokenFor(caller.client));
});
afterAll(async () => testHub.close());

describe('fuzz: every argument of every field', () => {
  const plans = rootFieldPlans(createSchema());

  test.each(plans.map(({ operation, plan }) => [`${operation} ${plan.name}`, operation, plan] as const))('%s', async (_title, operation, plan) => {
    const cases = fc.sample(
      fc.tuple(planValues(plan, PLAUSIBLE), fc.oneof(...CALLERS.map((caller) => ({ weight: caller.weight, arbitrary: fc.constant(caller) })))),
      {
        seed: SEED,
        numRuns: RUNS_PER_FIELD,
      },
    );
    const failures: Failure[] = [];
    for (const [values, caller] of cases) {
      for (const mode of ['variables', 'literals'] as const) {
        const body = renderRequest(operation, plan, values, mode);
        const failure = failureOf(`${caller.client} ${JSON.stringify(body)}`, await sendGraphql(caller, body));
        if (failure) failures.push(failure);
      }
    }
    expect(failures).toEqual([]);
  });
});

/** A client assertion to sign at request time: claims and header fields over a valid one's. */
interface AssertionToSign {
  readonly claims: Record<string, unknown>;
  readonly header: Record<string, unknown>;
}

const anyJsonValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), anyText, fc.integer(), fc.constantFrom(2 ** 53, -1, 1e308));
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsignedAssertion = fc
  .tuple(
    fc.dictionary(fc.oneof(fc.constantFrom('alg', 'typ', 'kid', 'crit', 'jku', 'jwk'), anyText), anyJsonValue, { maxKeys: 4 }),
    fc.dictionary(anyText, anyJsonValue, { maxKeys: 4 }),
  )
  .map(([header, claims]) => `${base64url({ alg: 'none', typ: CLIENT_ASSERTION_TYP, ...header })}.${base64url(claims)}.`);
const assertionToSign: fc.Arbitrary<AssertionToSign> = fc.record({
  claims: fc.dictionary(fc.oneof(fc.constantFrom('iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'), anyText), anyJsonValue, { maxKeys: 3 }),
  header: fc.dictionary(fc.constantFrom('kid', 'typ', 'jku', 'x5u', 'jwk', 'cty'), anyJsonValue, { maxKeys: 2 }),
});

type FormValue = string | AssertionToSign;
const formValue: fc.Arbitrary<FormValue> = fc.oneof(
  anyText,
  fc.constantFrom('client_credentials', 'test-bank', CLIENT_ASSERTION_TYPE, 'records:read admin', 'credit:report'),
  unsignedAssertion,
  assertionToSign,
);
/** `arbitrary` one time in eight, else undefined. */
const seldom = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** A token request that succeeds: the fuzz changes, drops or repeats one of its fields, and signs arbitrary claims. */
const TAME_FORM: readonly (readonly [string, string])[] = [
  ['grant_type', 'client_credentials'],
  ['client_id', 'test-bank'],
  ['client_assertion_type', CLIENT_ASSERTION_TYPE],
  ['scope', 'credit:report'],
];
const tokenRequest = fc.record({
  assertion: fc.oneof({ weight: 3, arbitrary: assertionToSign }, { weight: 1, arbitrary: formValue }),
  change: fc.option(
    fc.record({
      name: fc.oneof(fc.constantFrom(...TAME_FORM.map(([name]) => name), 'client_assertion', 'client_secret'), anyText),
      value: fc.option(formValue, { nil: undefined, freq: 5 }),
      repeat: fc.boolean(),
    }),
    { nil: undefined, freq: 5 },
  ),
  rawBytes: seldom(fc.uint8Array({ maxLength: 60 })),
  authorization: seldom(
    fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
      fc.tuple(anyText, anyText).map(([id, secret]) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`),
    ),
  ),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/x-www-form-urlencoded') },
    { weight: 1, arbitrary: fc.constantFrom('application/x-www-form-urlencoded; charset=latin1', 'application/json', 'text/plain') },
  ),
});

/** The form's fields in order: the tame ones and the assertion, with the sample's change applied. */
function formFields(sample: {
  assertion: FormValue;
  change: { name: string; value: FormValue | undefined; repeat: boolean } | undefined;
}): (readonly [string, FormValue])[] {
  const fields: (readonly [string, FormValue])[] = [...TAME_FORM, ['client_assertion', sample.assertion]];
  const { change } = sample;
  if (!change) return fields;
  const kept = change.repeat ? fields : fields.filter(([name]) => name !== change.name);
  return change.value === undefined ? kept : [...kept, [change.name, change.value]];
}

/** Percent-encodes UTF-8 (a lone surrogate becomes U+FFFD, as any client's encoder makes it). */
const percentEncoded = (bytes: Uint8Array) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

let assertionsSigned = 0;

async function formText(value: FormValue): Promise<string> {
  if (typeof value === 'string') return value;
  const now = Math.floor(FIXED_NOW.getTime() / 1000);
  const client = TEST_CLIENTS.bank;
  return new SignJWT({ iss: client.config.id, sub: client.config.id, aud: issuer, iat: now, exp: now + 60, jti: `fuzz-${++assertionsSigned}`, ...value.claims })
    .setProtectedHeader({
      ...value.header,
      alg: 'EdDSA',
      kid: typeof value.header['kid'] === 'string' ? value.header['kid'] : client.kid,
      typ: typeof value.header['typ'] === 'string' ? value.header['typ'] : CLIENT_ASSERTION_TYP,
    })
    .sign(client.privateKey)
    .catch(() => 'unsignable');
}

test('fuzz: the token endpoint answers any form and any assertion with 200 or a 4xx', async () => {
  const failures: Failure[] = [];
  for (const sample of fc.sample(tokenRequest, { seed: SEED, numRuns: TOKEN_ENDPOINT_RUNS })) {
    const pairs = await Promise.all(
      formFields(sample).map(async ([name, value]) => `${percentEncoded(Buffer.from(name))}=${percentEncoded(Buffer.from(await formText(value)))}`),
    );
    const body = [...pairs, ...(sample.rawBytes ? [`client_id=${percentEncoded(sample.rawBytes)}`] : [])].join('&');
    const post = request(testHub.hub.httpServer).post('/oauth/token').set('content-type', sample.contentType);
    if (sample.authorization !== undefined) post.set('authorization', sample.authorization);
    const failure = failureOf(`${sample.contentType} ${sample.authorization ?? ''} ${body}`, await post.send(body));
    if (failure) failures.push(failure);
  }
  expect(failures).toEqual([]);
});

test('fuzz: any request body at /graphql is answered with data or a client error', async () => {
  const anyBody = fc.record({
    query: fc.oneof(anyText, fc.constantFrom('subscription { me { id } }', 'query A { me { id } } query B { me { id } }', '{ me { id } }')),
    variables: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(anyText, anyJsonValue, { maxKeys: 3 })),
    operationName: fc.oneof(anyText, fc.constantFrom('A', 'B')),
  });
  const failures: Failure[] = [];
  for (const body of fc.sample(anyBody, { seed: SEED, numRuns: RUNS_PER_FIELD })) {
    const failure = failureOf(JSON.stringify(body), await sendGraphql(CALLERS[0], body as FuzzRequest));
    if (failure) failures.push(failure);
  }
  expect(failures).toEqual([]);
});
