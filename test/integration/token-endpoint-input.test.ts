import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { tokenIdentity } from '../../server/hub-config.js';
import { CLIENT_ASSERTION_TYP, CLIENT_ASSERTION_TYPE } from '../../server/auth/client-authentication.js';
import { clientAssertion, TEST_CLIENTS } from '../support/clients.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { capturedLog } from '../support/captured-log.js';
import { fieldOf } from '../support/answers.js';

const log = capturedLog();
let testHub: TestHub;
const { issuer } = tokenIdentity(TEST_CONFIG);
const NOW = Math.floor(FIXED_NOW.getTime() / 1000);

beforeAll(async () => {
  testHub = await startTestHub(TEST_CONFIG, log.logger);
});
afterAll(async () => testHub.close());

const tokenRequest = (form: Record<string, string>) => request(testHub.hub.httpServer).post('/oauth/token').type('form').send(form);
const withAssertion = (assertion: string, extra: Record<string, string> = {}) =>
  tokenRequest({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, ...extra });

/** An assertion whose claims and header say anything, signed with a key nobody registered. */
async function forgedAssertion(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const { privateKey } = await generateKeyPair('Ed25519');
  return new SignJWT({ iss: 'test-bank', sub: 'test-bank', aud: issuer, iat: NOW, exp: NOW + 60, jti: `j-${Math.random()}`, ...claims })
    .setProtectedHeader({ alg: 'EdDSA', typ: CLIENT_ASSERTION_TYP, kid: 'k1', ...header })
    .sign(privateKey);
}

/** A clean RFC 6749 §5.2 refusal: 400 or 401, JSON with a known error code and a description, not cached. */
function expectOAuthRefusal(response: request.Response, status: 400 | 401, description: RegExp): void {
  expect({ status: response.status, error: fieldOf(response.body, 'error') }).toEqual({ status, error: status === 401 ? 'invalid_client' : 'invalid_request' });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(fieldOf(response.body, 'error_description')).toMatch(description);
}

describe('the token endpoint checks every value before anything reaches the database', () => {
  test('NUL, control characters, unpaired surrogates and oversized values in the assertion’s claims: 401, never 500', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ iss: 'test-bank\u0000' }, /the client assertion's iss must not contain control characters .*"test-bank\\u0000"/],
      [{ sub: 'test-bank\u0000' }, /the client assertion's sub must not contain control characters .*"test-bank\\u0000"/],
      [{ sub: '\u0007bell' }, /sub must not contain control characters/],
      [{ sub: 'bank\ud800' }, /sub must not contain control characters or unpaired surrogates/],
      [{ sub: 'b'.repeat(5000) }, /sub is longer than 128 characters/],
      [{ sub: 42 }, /sub must be a string/],
      [{ sub: '银行' }, /sub must be printable ASCII/],
      [{ jti: 'replay\u0000' }, /jti must not contain control characters/],
      [{ jti: 'j'.repeat(201) }, /jti is longer than 200 characters/],
    ];
    for (const [claims, description] of cases) {
      const response = await withAssertion(await forgedAssertion(claims));
      expectOAuthRefusal(response, 401, description);
    }
    expectOAuthRefusal(await withAssertion(await forgedAssertion({}, { kid: 'k\u0000' })), 401, /kid must not contain control characters/);
  });

  test('NUL, control characters and oversized values in the form’s parameters: 400 naming the parameter', async () => {
    const assertion = await clientAssertion(TEST_CLIENTS.bank, issuer);
    const cases: [Record<string, string>, RegExp][] = [
      [{ client_id: 'test-bank\u0000' }, /^client_id must not contain control characters .*"test-bank\\u0000"/],
      [{ client_id: 'x'.repeat(129) }, /^client_id is longer than 128 characters/],
      [{ scope: 'credit:report\u0000' }, /^scope must not contain control characters/],
      [{ scope: 'credit:report\tadmin' }, /^scope must not contain control characters/],
      [{ scope: 'credit:report  admin' }, /^scope must be scope names of printable ASCII one space apart/],
      [{ scope: 's'.repeat(1001) }, /^scope is longer than 1000 characters/],
      [{ grant_type: 'client_credentials\u0000' }, /^grant_type must not contain control characters/],
      [{ client_assertion_type: `${CLIENT_ASSERTION_TYPE}\u001b` }, /^client_assertion_type must not contain control characters/],
      [{ client_assertion: `${assertion}\u0000` }, /^client_assertion must not contain control characters or unpaired surrogates$/],
    ];
    for (const [form, description] of cases) expectOAuthRefusal(await withAssertion(assertion, form), 400, description);
    // A parameter sent twice (RFC 6749 §3.2).
    const twice = await request(testHub.hub.httpServer)
      .post('/oauth/token')
      .type('form')
      .send(`grant_type=client_credentials&client_id=test-bank&client_id=test-bank%00`);
    expectOAuthRefusal(twice, 400, /^client_id must be sent once/);
    // The assertion was never used: it still gets its token.
    expect((await withAssertion(assertion)).status).toBe(200);
  });

  test('NUL in HTTP Basic credentials: 401', async () => {
    const basic = await tokenRequest({ grant_type: 'client_credentials' }).auth('test-agency\u0000', 'a-development-only-secret-0123456789');
    expectOAuthRefusal(basic, 401, /^client_id must not contain control characters/);
  });

  test('the service log has a line for each refusal and no error, no stack trace, no assertion', () => {
    const lines = log.lines();
    const refusals = lines.filter((line) => line['msg'] === 'token request refused');
    expect(refusals.length).toBeGreaterThanOrEqual(20);
    for (const line of refusals)
      expect(line).toMatchObject({
        level: 30,
        status: expect.any(Number),
        reason: expect.any(String),
        address: expect.stringMatching(/127\.0\.0\.1/),
        path: '/oauth/token',
      });
    expect(lines.filter((line) => Number(line['level']) >= 50)).toEqual([]);
    expect(log.text()).not.toMatch(/"stack"|\\n\s+at /);
    expect(log.text()).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
