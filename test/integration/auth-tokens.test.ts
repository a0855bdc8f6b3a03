import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { tokenIdentity } from '../../server/hub-config.js';
import { CLIENT_ASSERTION_TYPE } from '../../server/auth/client-authentication.js';
import { revokeClient } from '../../store/client-queries.js';
import { clientAssertion, DEV_SECRET, TEST_CLIENTS } from '../support/clients.js';
import { defined, type AnswerOf, type GraphQLBody } from '../support/answers.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';

let testHub: TestHub;
const { issuer, audience } = tokenIdentity(TEST_CONFIG);
const NOW = Math.floor(FIXED_NOW.getTime() / 1000);

beforeAll(async () => {
  testHub = await startTestHub();
});
afterAll(() => testHub.close());

/** The bodies of the token endpoint (RFC 6749), of the access checks' refusals (RFC 6750) and of `{ me { id } }`. */
type Answer = AnswerOf<
  GraphQLBody<{ me: { id: string } }> & {
    access_token: string;
    token_type?: string;
    expires_in?: number;
    scope?: string;
    error?: string;
    error_description?: string;
  }
>;

const tokenRequest = (form: Record<string, string>, basic?: { id: string; secret: string }): PromiseLike<Answer> => {
  const post = request(testHub.hub.httpServer).post('/oauth/token').type('form').send(form);
  return basic ? post.auth(basic.id, basic.secret) : post;
};
const withAssertion = (assertion: string, extra: Record<string, string> = {}): PromiseLike<Answer> =>
  tokenRequest({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, ...extra });
/** One part (0: header, 1: payload) of a JWT, decoded. */
const jwtPart = (token: string, index: number) =>
  JSON.parse(Buffer.from(defined(token.split('.')[index], `part ${index} of the token`), 'base64url').toString()) as Record<string, unknown>;
const query = (token: string, purpose = 'OPERATIONS'): PromiseLike<Answer> =>
  request(testHub.hub.httpServer).post('/graphql').set('authorization', `Bearer ${token}`).set('x-purpose', purpose).send({ query: '{ me { id } }' });

/** Claims of a valid access token of the admin client, to spoil one at a time. */
const adminClaims = (extra: Record<string, unknown> = {}) => ({
  iss: issuer,
  sub: 'test-admin',
  aud: audience,
  iat: NOW,
  nbf: NOW,
  exp: NOW + 300,
  jti: `t-${Math.random()}`,
  scope: 'admin',
  client_type: 'ADMIN',
  ...extra,
});

async function expectRefused(token: string, reason: RegExp) {
  const response = await query(token);
  expect(response.status).toBe(401);
  expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="credit-hub", error="invalid_token"/);
  expect(response.body.error).toBe('invalid_token');
  expect(response.body.error_description).toMatch(reason);
  // Nothing of the token, the keys or a stack trace is echoed back.
  expect(JSON.stringify(response.body)).not.toContain(token.slice(0, 20));
  expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts|stack/);
}

/**
 * Sends until the answer has `status`, for at most `ms`. A registration changed as another process
 * (the CLI) changes it reaches the hub by a database notification: within milliseconds, but after
 * the commit, so not necessarily before the very next request.
 */
async function answerWithin(status: number, ms: number, send: () => PromiseLike<Answer>): Promise<Answer> {
  const started = Date.now();
  let response = await send();
  while (response.status !== status && Date.now() - started < ms) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    response = await send();
  }
  return response;
}

describe('token endpoint', () => {
  test('private_key_jwt: a client signs an assertion and gets a short-lived, typed access token that opens the API', async () => {
    const response = await withAssertion(await clientAssertion(TEST_CLIENTS.agency, issuer));
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'records:read records:write:SH-SAMR authorizations:write audit:subject credit:read inspections:draw repair:write',
    });
    const header = jwtPart(response.body.access_token, 0);
    const payload = jwtPart(response.body.access_token, 1);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(payload).toMatchObject({ iss: issuer, sub: 'test-agency', aud: audience, client_type: 'AGENCY', agency: 'SH-SAMR', regions: [], exp: NOW + 300 });
    expect(typeof payload['jti']).toBe('string');
    const me = await query(response.body.access_token, 'SUPERVISION');
    expect(me.body.data?.me.id).toBe('test-agency');
  });

  test('a narrower scope can be asked for; a scope not granted is invalid_scope', async () => {
    const narrow = await withAssertion(await clientAssertion(TEST_CLIENTS.agency, issuer), { scope: 'records:read' });
    expect(narrow.body.scope).toBe('records:read');
    const wider = await withAssertion(await clientAssertion(TEST_CLIENTS.agency, issuer), { scope: 'records:read admin' });
    expect(wider.status).toBe(400);
    expect(wider.body).toMatchObject({ error: 'invalid_scope', error_description: expect.stringContaining('admin') });
  });

  test('client_secret_basic works where enabled, and only with the right secret', async () => {
    const basic = (secret: string) => tokenRequest({ grant_type: 'client_credentials' }, { id: 'test-agency', secret });
    expect((await basic(DEV_SECRET)).status).toBe(200);
    const wrong = await basic('not-the-secret-at-all');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const disabled = await startTestHub({ ...TEST_CONFIG, auth: { ...TEST_CONFIG.auth, allowClientSecret: false } });
    try {
      const refused: Answer = await request(disabled.hub.httpServer)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials' })
        .auth('test-agency', DEV_SECRET);
      expect(refused.status).toBe(401);
      expect(refused.body.error_description).toMatch(/client_secret_basic is disabled/);
    } finally {
      await disabled.close();
    }
  });

  test('malformed requests get RFC 6749 errors', async () => {
    expect((await tokenRequest({ grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    expect((await tokenRequest({ grant_type: 'client_credentials' })).body).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringContaining('required'),
    });
    const json: Answer = await request(testHub.hub.httpServer).post('/oauth/token').send({ grant_type: 'client_credentials' });
    expect(json.body.error).toBe('invalid_request');
  });
});

describe('client assertion attacks are refused with 401 invalid_client', () => {
  const refusedAssertion = async (assertion: string, reason: RegExp, extra: Record<string, string> = {}) => {
    const response = await withAssertion(assertion, extra);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
    expect(response.body.error_description).toMatch(reason);
  };

  test('a replayed assertion (same jti)', async () => {
    const assertion = await clientAssertion(TEST_CLIENTS.bank, issuer);
    expect((await withAssertion(assertion)).status).toBe(200);
    await refusedAssertion(assertion, /already used/);
  });

  test('signed with another key than the client registered', async () => {
    await refusedAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer, { key: TEST_CLIENTS.agency.privateKey }), /invalid signature|not registered/);
  });

  test('expired, for another audience, too long-lived, or naming another client', async () => {
    await refusedAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer, { claims: { exp: NOW - 120 } }), /expired/);
    await refusedAssertion(await clientAssertion(TEST_CLIENTS.bank, 'https://another-hub.example'), /audience/);
    await refusedAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer, { claims: { exp: NOW + 3600 } }), /longer than 300 seconds/);
    await refusedAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer), /differ/, { client_id: 'test-agency' });
  });

  test('an unknown client and a wrong signature or secret get one answer, so client ids cannot be enumerated', async () => {
    const { privateKey: strangersKey } = await generateKeyPair('Ed25519');
    const unknown = { ...TEST_CLIENTS.bank, config: { ...TEST_CLIENTS.bank.config, id: 'no-such-client' } };
    const answer = (response: Answer) => ({ status: response.status, body: response.body, challenge: response.headers['www-authenticate'] });
    const byAssertion = [
      await withAssertion(await clientAssertion(unknown, issuer, { key: strangersKey })),
      await withAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer, { key: strangersKey })),
      await withAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer, { key: strangersKey, header: { kid: 'a-kid-nobody-registered' } })),
      await withAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer, { key: strangersKey, header: { kid: 'a-kid-nobody-registered' } }), {
        client_id: 'test-bank',
      }),
    ];
    const basic = (id: string, secret: string) => tokenRequest({ grant_type: 'client_credentials' }, { id, secret });
    const bySecret = [await basic('no-such-client', DEV_SECRET), await basic('test-agency', 'not-the-secret-at-all'), await basic('test-bank', DEV_SECRET)];
    const first = defined(byAssertion[0], 'the first answer');
    for (const response of [...byAssertion, ...bySecret]) expect(answer(response)).toEqual(answer(first));
    expect(first.status).toBe(401);
    expect(first.body).toEqual({ error: 'invalid_client', error_description: expect.stringMatching(/^client authentication failed/) });
  });

  test('an access token presented as a client assertion (wrong typ)', async () => {
    await refusedAssertion(await testHub.tokenFor('test-bank'), /wrong kind of token|not registered|invalid/);
    await refusedAssertion(await clientAssertion(TEST_CLIENTS.bank, issuer, { header: { typ: 'at+jwt' } }), /wrong kind of token/);
  });

  test('a revoked client', async () => {
    const gone = await startTestHub();
    try {
      await revokeClient(gone.database.db, 'test-partner', FIXED_NOW);
      const response: Answer = await request(gone.hub.httpServer)
        .post('/oauth/token')
        .type('form')
        .send({
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: await clientAssertion(TEST_CLIENTS.partner, issuer),
        });
      expect(response.status).toBe(401);
      expect(response.body.error_description).toMatch(/revoked/);
    } finally {
      await gone.close();
    }
  });
});

describe('access token attacks are refused with 401 and WWW-Authenticate: Bearer', () => {
  test('no token at all: 401 with a challenge and no error code (RFC 6750 §3.1)', async () => {
    const response: Answer = await request(testHub.hub.httpServer).post('/graphql').send({ query: '{ me { id } }' });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="credit-hub"');
    expect(response.body.error_description).toMatch(/oauth\/token/);
  });

  test('alg none', async () => {
    const { kid } = defined((await testHub.hub.keys.allPublicKeys())[0], 'the signing key');
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid }))}.${base64url.encode(JSON.stringify(adminClaims()))}.`;
    await expectRefused(unsigned, /unsigned|alg/);
  });

  test('HS256 "signed" with the hub’s public key', async () => {
    const { kid, jwk } = defined((await testHub.hub.keys.allPublicKeys())[0], 'the signing key');
    for (const secret of [JSON.stringify(jwk), String(jwk.x)]) {
      const forged = await new SignJWT(adminClaims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(new TextEncoder().encode(secret));
      await expectRefused(forged, /algorithm that is not allowed/);
    }
  });

  test('expired, not yet valid, wrong audience, wrong issuer (all signed with the hub’s real key)', async () => {
    const sign = (claims: Record<string, unknown>) => testHub.hub.keys.sign(adminClaims(claims), 'at+jwt');
    await expectRefused(await sign({ exp: NOW - 60 }), /expired/);
    await expectRefused(await sign({ nbf: NOW + 600, iat: NOW + 600, exp: NOW + 900 }), /not valid yet|future/);
    await expectRefused(await sign({ aud: 'https://some-other-api.example' }), /audience/);
    await expectRefused(await sign({ iss: 'https://evil.example' }), /issuer/);
  });

  test('a token within the clock skew is still accepted', async () => {
    expect((await query(await testHub.hub.keys.sign(adminClaims({ exp: NOW - 10 }), 'at+jwt'))).status).toBe(200);
  });

  test('unknown kid, and a key-locating header', async () => {
    const { privateKey } = await generateKeyPair('Ed25519');
    await expectRefused(
      await new SignJWT(adminClaims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'attacker-key' }).sign(privateKey),
      /does not know/,
    );
    const { kid } = defined((await testHub.hub.keys.allPublicKeys())[0], 'the signing key');
    const withJku = await new SignJWT(adminClaims())
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid, jku: 'https://evil.example/jwks.json' })
      .sign(privateKey);
    await expectRefused(withJku, /"jku" header/);
  });

  test('a tampered payload', async () => {
    const token = await testHub.tokenFor('test-bank');
    const [header, , signature] = token.split('.');
    const payload = jwtPart(token, 1);
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...payload, scope: 'admin', sub: 'test-admin' }))}.${signature}`;
    await expectRefused(tampered, /invalid signature/);
  });

  test('a client assertion presented as an access token (wrong typ)', async () => {
    await expectRefused(await clientAssertion(TEST_CLIENTS.agency, issuer), /does not know|wrong kind/);
    const { kid } = defined((await testHub.hub.keys.allPublicKeys())[0], 'the signing key');
    const mistyped = await testHub.hub.keys.sign(adminClaims(), 'JWT');
    expect(kid).toBeDefined();
    await expectRefused(mistyped, /wrong kind of token/);
  });

  test('an oversized token is refused before any verification', async () => {
    await expectRefused(await testHub.hub.keys.sign(adminClaims({ padding: 'x'.repeat(9000) }), 'at+jwt'), /larger than 8192 bytes/);
  });

  test('the token of a revoked or deleted client stops working as soon as the database announces the change', async () => {
    const hub = await startTestHub();
    try {
      const bankToken = await hub.tokenFor('test-bank');
      const partnerToken = await hub.tokenFor('test-partner');
      const me = (token: string, purpose: string) =>
        request(hub.hub.httpServer).post('/graphql').set('authorization', `Bearer ${token}`).set('x-purpose', purpose).send({ query: '{ me { id } }' });
      expect((await me(bankToken, 'LOAN_REVIEW')).status).toBe(200);
      await revokeClient(hub.database.db, 'test-bank', FIXED_NOW);
      const revoked = await answerWithin(401, 1000, () => me(bankToken, 'LOAN_REVIEW'));
      expect(revoked.status).toBe(401);
      expect(revoked.body.error_description).toMatch(/revoked or no longer registered/);
      await hub.database.db.deleteFrom('api_clients').where('id', '=', 'test-partner').execute();
      expect((await answerWithin(401, 1000, () => me(partnerToken, 'MUTUAL_RECOGNITION'))).status).toBe(401);
    } finally {
      await hub.close();
    }
  });
});

describe('keys, purpose and rate', () => {
  test('public without a token: health, JWKS, metadata and the IDE page', async () => {
    const server = request(testHub.hub.httpServer);
    expect((await server.get('/healthz')).status).toBe(200);
    expect((await server.get('/readyz')).status).toBe(200);
    expect((await server.get('/graphql').set('accept', 'text/html')).status).toBe(200);
    const jwks: AnswerOf<{ keys: { kid: string }[] }> = await server.get('/.well-known/jwks.json');
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d":/);
    expect((await server.get('/.well-known/oauth-authorization-server')).body).toMatchObject({ issuer, grant_types_supported: ['client_credentials'] });
  });

  test('key rotation: the new key signs, the old one still verifies its tokens, JWKS lists both', async () => {
    const hub = await startTestHub();
    try {
      const before = await hub.tokenFor('test-admin');
      const oldKid = defined((await hub.hub.keys.allPublicKeys())[0], 'the signing key').kid;
      const newKid = await hub.hub.keys.rotate();
      const after = await hub.tokenFor('test-admin');
      expect(jwtPart(after, 0)['kid']).toBe(newKid);
      for (const token of [before, after]) {
        expect(
          (
            await request(hub.hub.httpServer)
              .post('/graphql')
              .set('authorization', `Bearer ${token}`)
              .set('x-purpose', 'OPERATIONS')
              .send({ query: '{ me { id } }' })
          ).status,
        ).toBe(200);
      }
      const jwks: AnswerOf<{ keys: { kid: string }[] }> = await request(hub.hub.httpServer).get('/.well-known/jwks.json');
      const kids = jwks.body.keys.map((k) => k.kid);
      expect(kids).toEqual([newKid, oldKid]);
    } finally {
      await hub.close();
    }
  });

  test('a rotation whose audit entry cannot be written is not made: the previous key still signs', async () => {
    const { keys } = testHub.hub;
    const activeKid = async () =>
      defined(
        (await keys.allPublicKeys()).find((key) => key.retiredAt === null),
        'the active key',
      ).kid;
    const before = await activeKid();
    let rotatedKid = '';
    await expect(
      keys.rotate((_, kid) => {
        rotatedKid = kid;
        return Promise.reject(new Error('the audit entry could not be written'));
      }),
    ).rejects.toThrow('the audit entry could not be written');
    expect(rotatedKid).not.toBe('');
    expect(await activeKid()).toBe(before);
    expect((await keys.allPublicKeys()).map((key) => key.kid)).not.toContain(rotatedKid);
    const token = await testHub.tokenFor('test-admin');
    expect(jwtPart(token, 0)['kid']).toBe(before);
  });

  test('a request without a purpose, or with one its client type may not state, is refused naming the allowed ones', async () => {
    const token = await testHub.tokenFor('test-bank');
    const none: Answer = await request(testHub.hub.httpServer).post('/graphql').set('authorization', `Bearer ${token}`).send({ query: '{ me { id } }' });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: 'invalid_purpose', error_description: expect.stringContaining('LOAN_REVIEW') });
    const wrong = await query(token, 'SUPERVISION');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error_description).toMatch(/"SUPERVISION" is not one a BANK client may state/);
  });

  test('each client has its own token bucket: over it, 429 with Retry-After; other clients go on', async () => {
    const bank = await testHub.tokenFor('test-bank-slow');
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 6; i++) {
      last = await query(bank, 'LOAN_REVIEW');
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
    expect(statuses[5]).toBe(429);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last?.body.error_description).toMatch(/more than 5 requests per minute from client test-bank-slow/);
    expect((await query(await testHub.tokenFor('test-admin'))).status).toBe(200);
    // A raised rate in the registration applies as soon as the hub hears of it.
    await testHub.database.db.updateTable('api_clients').set({ requests_per_minute: 100 }).where('id', '=', 'test-bank-slow').execute();
    expect((await answerWithin(200, 1000, () => query(bank, 'LOAN_REVIEW'))).status).toBe(200);
  });
});
