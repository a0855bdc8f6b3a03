import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { capturedLog, type CapturedLog } from '../support/captured-log.js';
import { defined, fieldOf } from '../support/answers.js';

/** Never to be found in the service log: it marks request bodies. */
const BODY_MARKER = 'BODY-MARKER-7f3a';

let testHub: TestHub;
let log: CapturedLog;

beforeAll(async () => {
  log = capturedLog();
  testHub = await startTestHub(TEST_CONFIG, log.logger);
});
afterAll(async () => testHub.close());

const server = () => request(testHub.hub.httpServer);

/** The one line logged since `from` (a line count) for a refusal with `status` on `path`. */
function refusalLine(from: number, status: number, path: string): Record<string, unknown> {
  const lines = log
    .lines()
    .slice(from)
    .filter((line) => line['status'] === status && line['path'] === path);
  expect(lines).toHaveLength(1);
  return defined(lines[0], 'the refusal line');
}

/** Sends, and returns the response with the service-log line count before it was sent. */
async function sent(send: () => Promise<request.Response>): Promise<{ response: request.Response; from: number }> {
  const from = log.lines().length;
  return { response: await send(), from };
}

describe('every request refused before GraphQL is written to the service log: reason, status, address, client', () => {
  test('401: no token, a malformed Authorization header, a forged token — and never the token', async () => {
    const token = await testHub.tokenFor('test-admin');
    const forged = `${token.slice(0, -4)}AAAA`;
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /^no access token$/],
      [{ authorization: `Token ${token}` }, /Authorization header must be "Bearer <token>"/],
      [{ authorization: `Bearer ${forged}` }, /invalid signature/],
    ];
    for (const [headers, reason] of cases) {
      const { response, from } = await sent(() => server().post('/graphql').set(headers).set('x-purpose', 'OPERATIONS').send({ query: '{ me { id } }' }));
      expect(response.status).toBe(401);
      const line = refusalLine(from, 401, '/graphql');
      expect(line).toMatchObject({
        level: 30,
        msg: 'request refused before GraphQL',
        reason: expect.stringMatching(reason),
        address: expect.stringMatching(/127\.0\.0\.1$/),
      });
      expect(line['clientId']).toBeUndefined();
    }
    expect(log.text()).not.toContain(token.split('.')[2]);
    expect(log.text()).not.toContain(forged.split('.')[2]);
  });

  test('400: no purpose, or one the client type may not state (the client is known by then)', async () => {
    const token = await testHub.tokenFor('test-bank');
    for (const [purpose, reason] of [
      [undefined, 'no purpose stated'],
      ['SUPERVISION', 'purpose not allowed for the client type'],
    ] as const) {
      const { response, from } = await sent(() => {
        const post = server().post('/graphql').set('authorization', `Bearer ${token}`);
        return (purpose ? post.set('x-purpose', purpose) : post).send({ query: '{ me { id } }' });
      });
      expect(response.status).toBe(400);
      expect(refusalLine(from, 400, '/graphql')).toMatchObject({ level: 30, reason, clientId: 'test-bank', address: expect.stringMatching(/127\.0\.0\.1$/) });
    }
    expect(log.text()).not.toContain(token.split('.')[2]);
  });

  test('429: over the client’s own rate, logged as a warning', async () => {
    const token = await testHub.tokenFor('test-bank-slow');
    let refused: { response: request.Response; from: number } | undefined;
    for (let i = 0; i < 10 && refused?.response.status !== 429; i++) {
      refused = await sent(() =>
        server().post('/graphql').set('authorization', `Bearer ${token}`).set('x-purpose', 'LOAN_REVIEW').send({ query: '{ me { id } }' }),
      );
    }
    expect(refused?.response.status).toBe(429);
    expect(refusalLine(refused?.from ?? 0, 429, '/graphql')).toMatchObject({
      level: 40,
      reason: expect.stringMatching(/client rate of 5 requests per minute/),
      clientId: 'test-bank-slow',
    });
  });

  test('413 and 400: a body too large or malformed, without the body', async () => {
    const token = await testHub.tokenFor('test-admin');
    const post = () => server().post('/graphql').set('authorization', `Bearer ${token}`).set('x-purpose', 'OPERATIONS').set('content-type', 'application/json');
    const large = await sent(() => post().send(JSON.stringify({ query: '{ me { id } }', variables: { pad: BODY_MARKER.repeat(10_000) } })));
    expect(large.response.status).toBe(413);
    expect(refusalLine(large.from, 413, '/graphql')).toMatchObject({
      level: 30,
      reason: 'request body too large',
      clientId: 'test-admin',
      address: expect.stringMatching(/127\.0\.0\.1$/),
    });
    const malformed = await sent(() => post().send(`{"query": "{ me { id } }", "${BODY_MARKER}`));
    expect(malformed.response.status).toBe(400);
    expect(refusalLine(malformed.from, 400, '/graphql')).toMatchObject({ reason: expect.stringMatching(/^malformed request body/), clientId: 'test-admin' });
    const largeForm = await sent(() =>
      server()
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', pad: BODY_MARKER.repeat(3000) }),
    );
    expect(largeForm.response.status).toBe(413);
    expect(fieldOf(largeForm.response.body, 'error')).toMatch(/exceeds 16384 bytes/);
    expect(refusalLine(largeForm.from, 413, '/oauth/token')).toMatchObject({ reason: 'request body too large' });
    expect(log.text()).not.toContain(BODY_MARKER);
  });
});

describe('the per-address limit is in front of everything that costs: the IDE, its assets and /readyz', () => {
  const PER_MINUTE = 4;
  let limited: TestHub;
  let limitedLog: CapturedLog;

  beforeAll(async () => {
    limitedLog = capturedLog();
    limited = await startTestHub({ ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, requestsPerMinute: PER_MINUTE } }, limitedLog.logger);
  });
  afterAll(async () => limited.close());

  test('past the limit: 429 with Retry-After for the IDE page, its assets, /readyz and GraphQL; /healthz still answers', async () => {
    const ide = () => request(limited.hub.httpServer).get('/graphql').set('accept', 'text/html');
    for (let i = 0; i < PER_MINUTE; i++) expect((await ide()).status).toBe(200);
    const refusals = [
      await ide(),
      await request(limited.hub.httpServer).get('/ide/start.js'),
      await request(limited.hub.httpServer).get('/ide/graphiql.css'),
      await request(limited.hub.httpServer).get('/readyz'),
      await request(limited.hub.httpServer).post('/graphql').send({ query: '{ me { id } }' }),
    ];
    for (const response of refusals) {
      expect(response.status).toBe(429);
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(fieldOf(response.body, 'error')).toBe('rate_limited');
    }
    // Liveness probes stay cheap and unthrottled (see server/health.ts).
    expect((await request(limited.hub.httpServer).get('/healthz')).status).toBe(200);
    const logged = limitedLog.lines().filter((line) => line['status'] === 429);
    expect(logged.map((line) => line['path'])).toEqual(['/graphql', '/ide/start.js', '/ide/graphiql.css', '/readyz', '/graphql']);
    for (const line of logged)
      expect(line).toMatchObject({
        level: 40,
        reason: `over the address rate of ${PER_MINUTE} requests per minute`,
        address: expect.stringMatching(/127\.0\.0\.1$/),
      });
  });
});
