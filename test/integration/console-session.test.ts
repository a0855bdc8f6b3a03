import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { consoleSchema } from '../../config/console-schema.js';
import { verifyAuditLog } from '../../audit/verify-log.js';
import { tokenIdentity } from '../../server/hub-config.js';
import { runConsoleCommand } from '../../server/console/console-cli.js';
import { consolePageRoutes } from '../../server/console/console-page.js';
import { ConsoleSessions } from '../../server/console/console-sessions.js';
import { ConsoleUserError } from '../../server/console/console-users.js';
import { consoleSessionRoutes } from '../../server/console/session-routes.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { testLogger } from '../support/test-log.js';
import { dataOf, fieldOf } from '../support/answers.js';

const ME = '{ me { id } }';
let testHub: TestHub;
let printed: string[];

/** Runs a `console` CLI command against the test database, as `npm run hub -- console ...` does. */
async function cli(command: string, ...args: string[]): Promise<number | undefined> {
  printed = [];
  return runConsoleCommand(
    { db: testHub.database.db, config: TEST_CONFIG, clock: () => FIXED_NOW, print: (line) => printed.push(line), defaultUrl: 'http://hub.test' },
    command,
    args,
  );
}

/** A sign-in link's token for a new user of `client` (default: the operator client). */
async function inviteFor(user: string, options: { client?: string; purpose?: string; role?: string } = {}): Promise<string> {
  await cli(
    'user',
    'add',
    user,
    '--person',
    '张伟',
    '--client',
    options.client ?? 'test-admin',
    '--purpose',
    options.purpose ?? 'OPERATIONS',
    '--role',
    options.role ?? 'OPERATOR',
  );
  expect(await cli('invite', user)).toBe(0);
  const link = printed[0] ?? '';
  expect(link).toMatch(/^http:\/\/hub\.test\/console\/sign-in#invite=[A-Za-z0-9_-]{43}$/);
  return link.split('#invite=')[1] ?? '';
}

async function signIn(invite: string): Promise<{ cookie: string; csrf: string; session: string }> {
  const response = await request(testHub.hub.httpServer).post('/console/api/sign-in').send({ invite }).expect(200);
  const setCookie = String(response.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] ?? '', csrf: String(fieldOf(response.body, 'csrfToken')), session: String(fieldOf(response.body, 'session')) };
}

const consoleGql = (cookie: string, csrf: string | undefined, query: string, variables: Record<string, unknown> = {}) => {
  const call = request(testHub.hub.httpServer).post('/graphql').set('cookie', cookie).send({ query, variables });
  return csrf ? call.set('x-console-csrf', csrf) : call;
};

// One hub for the file: starting one takes long on a busy machine. Each test uses its own user names.
beforeAll(async () => {
  testHub = await startTestHub();
});
afterAll(async () => {
  await testHub.close();
});

describe('console sign-in', () => {
  test('an invite link signs in once; the cookie is HttpOnly, SameSite=Strict, not Secure over plain HTTP', async () => {
    const invite = await inviteFor('zhang.wei');
    const response = await request(testHub.hub.httpServer).post('/console/api/sign-in').send({ invite }).expect(200);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^hub_console_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(fieldOf(response.body, 'user')).toEqual({ name: 'zhang.wei', personName: '张伟', role: 'OPERATOR', clientId: 'test-admin', purpose: 'OPERATIONS' });
    const again = await request(testHub.hub.httpServer).post('/console/api/sign-in').send({ invite }).expect(401);
    expect(fieldOf(again.body, 'error')).toBe('invalid_invite');
    await request(testHub.hub.httpServer).post('/console/api/sign-in').send({ invite: 'short' }).expect(400);
  });

  test('the cookie is Secure when a trusted proxy says the browser came over TLS, and only then', async () => {
    const behind = (trustedProxies: string[]) => {
      const config = consoleSchema.parse({ trustedProxies });
      const sessions = new ConsoleSessions({ db: testHub.database.db, clock: () => FIXED_NOW, config });
      return express().use(
        consoleSessionRoutes({
          sessions,
          config,
          rateLimit: (_req, _res, next) => {
            next();
          },
          logger: testLogger(),
        }),
      );
    };
    const secure = await request(behind(['127.0.0.1']))
      .post('/console/api/sign-in')
      .set('x-forwarded-proto', 'https')
      .send({ invite: await inviteFor('li.na') })
      .expect(200);
    expect(String(secure.headers['set-cookie'])).toMatch(/; Secure$/);
    const untrusted = await request(behind(['10.0.0.1']))
      .post('/console/api/sign-in')
      .set('x-forwarded-proto', 'https')
      .send({ invite: await inviteFor('li.na') })
      .expect(200);
    expect(String(untrusted.headers['set-cookie'])).not.toMatch(/Secure/);
    const plain = await request(behind(['127.0.0.1']))
      .post('/console/api/sign-in')
      .send({ invite: await inviteFor('li.na') })
      .expect(200);
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  test('a session stands in for a bearer token only with its CSRF header; the audit entry names the person', async () => {
    const machineSeq = fieldOf((await testHub.gql(ME)).body, 'extensions', 'auditEntries', 0);
    const { cookie, csrf } = await signIn(await inviteFor('zhao.lei'));
    const withoutCsrf = await consoleGql(cookie, undefined, ME).expect(403);
    expect(fieldOf(withoutCsrf.body, 'error')).toBe('csrf');
    await consoleGql(cookie, 'x'.repeat(43), ME).expect(403);
    const ok = await consoleGql(cookie, csrf, ME).set('x-purpose', 'SUPERVISION').expect(200);
    expect(fieldOf(ok.body, 'data', 'me', 'id')).toBe('test-admin');
    const seq = fieldOf(ok.body, 'extensions', 'auditEntries', 0);
    const log = await testHub.gqlAs<{ auditLog: { edges: { node: { seq: number; person: string | null } }[] } }>(
      '{ auditLog(first: 20) { edges { node { seq clientId purpose person operation } } } }',
    );
    const entryOf = (wanted: unknown) =>
      dataOf(log.body)
        .auditLog.edges.map((edge) => edge.node)
        .find((node) => node.seq === wanted);
    // The user's purpose, not the one the page sent.
    expect(entryOf(seq)).toEqual({ seq, clientId: 'test-admin', purpose: 'OPERATIONS', person: 'zhao.lei (张伟)', operation: 'query me' });
    expect(entryOf(machineSeq)?.person).toBeNull();
    const verified = await verifyAuditLog(testHub.database.db, testHub.hub.keys, tokenIdentity(TEST_CONFIG).issuer);
    expect(verified.firstProblem).toBeUndefined();
  });

  test('without a session or token /graphql is refused, and a bearer token still works beside a stale cookie', async () => {
    await request(testHub.hub.httpServer).post('/graphql').set('x-purpose', 'OPERATIONS').send({ query: ME }).expect(401);
    await request(testHub.hub.httpServer).get('/console/api/session').expect(401);
    const forged = await consoleGql('hub_console_session=' + 'a'.repeat(43), 'b'.repeat(43), ME).expect(403);
    expect(fieldOf(forged.body, 'error')).toBe('csrf');
    const token = await testHub.tokenFor('test-admin');
    await request(testHub.hub.httpServer)
      .post('/graphql')
      .set('cookie', 'hub_console_session=stale')
      .set('authorization', `Bearer ${token}`)
      .set('x-purpose', 'OPERATIONS')
      .send({ query: ME })
      .expect(200);
  });

  test('sign-out ends the session; CLI revocation of a user or one session ends theirs', async () => {
    const first = await signIn(await inviteFor('zhou.min'));
    await request(testHub.hub.httpServer).post('/console/api/sign-out').set('cookie', first.cookie).expect(403);
    const out = await request(testHub.hub.httpServer).post('/console/api/sign-out').set('cookie', first.cookie).set('x-console-csrf', first.csrf).expect(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect(fieldOf((await consoleGql(first.cookie, first.csrf, ME).expect(401)).body, 'error')).toBe('no_session');

    const second = await signIn(await inviteFor('zhou.min'));
    const third = await signIn(await inviteFor('zhou.min'));
    expect(await cli('revoke', second.session)).toBe(0);
    await consoleGql(second.cookie, second.csrf, ME).expect(401);
    await consoleGql(third.cookie, third.csrf, ME).expect(200);
    const unused = await inviteFor('zhou.min');
    expect(await cli('revoke', 'zhou.min')).toBe(0);
    expect(printed[0]).toBe('console user zhou.min: 1 session(s) ended and unused sign-in links cancelled');
    await consoleGql(third.cookie, third.csrf, ME).expect(401);
    await request(testHub.hub.httpServer).post('/console/api/sign-in').send({ invite: unused }).expect(401);
    expect(await cli('revoke', 'nobody')).toBe(1);
  });

  test('a VIEWER reads but may not change; an agency clerk acts as the agency, for its own agency only', async () => {
    const viewer = await signIn(await inviteFor('wang.fang', { role: 'VIEWER' }));
    await consoleGql(viewer.cookie, viewer.csrf, ME).expect(200);
    const refused = await consoleGql(viewer.cookie, viewer.csrf, 'mutation { replayQuarantine(agencyCode: "SH-SAMR") { examined } }').expect(403);
    expect(fieldOf(refused.body, 'error')).toBe('read_only');

    const clerk = await signIn(await inviteFor('chen.jing', { client: 'test-agency', purpose: 'DATA_SUBMISSION' }));
    const own = await consoleGql(clerk.cookie, clerk.csrf, '{ quarantine(agencyCode: "SH-SAMR") { totalCount } }').expect(200);
    expect(fieldOf(own.body, 'data', 'quarantine', 'totalCount')).toBe(0);
    const other = await consoleGql(clerk.cookie, clerk.csrf, '{ quarantine(agencyCode: "ZJ-TAX") { totalCount } }').expect(200);
    expect(fieldOf(other.body, 'errors', 0, 'extensions', 'reason')).toBe('NOT_OWN_AGENCY');
  });

  test('console user add refuses what it cannot store, naming the field and value', async () => {
    await expect(cli('user', 'add', 'Bad Name', '--person', '张伟', '--client', 'test-admin', '--purpose', 'OPERATIONS')).rejects.toThrow(
      /user "Bad Name" is not a sign-in name/,
    );
    await expect(cli('user', 'add', 'ok.user', '--person', '张伟', '--client', 'nobody', '--purpose', 'OPERATIONS')).rejects.toThrow(
      /--client "nobody" is not an active registered client/,
    );
    await expect(cli('user', 'add', 'ok.user', '--person', '张伟', '--client', 'test-bank', '--purpose', 'OPERATIONS')).rejects.toThrow(ConsoleUserError);
    await expect(cli('user', 'add', 'ok.user', '--person', '张伟', '--client', 'test-admin', '--purpose', 'OPERATIONS', '--role', 'ROOT')).rejects.toThrow(
      /--role "ROOT" is not a console role/,
    );
    await expect(cli('invite', 'nobody')).rejects.toThrow(/no enabled console user nobody/);
  });
});

describe('session timeouts', () => {
  test('a session ends after the idle timeout, and after the absolute timeout however busy', async () => {
    let now = FIXED_NOW.getTime();
    await cli('user', 'add', 'sun.li', '--person', '张伟', '--client', 'test-admin', '--purpose', 'OPERATIONS');
    const sessions = new ConsoleSessions({
      db: testHub.database.db,
      clock: () => new Date(now),
      config: consoleSchema.parse({ idleMinutes: 30, absoluteHours: 8 }),
    });
    const idle = await sessions.signIn((await sessions.invite('sun.li'))?.token ?? '');
    now += 29 * 60_000;
    expect(await sessions.resume(idle?.sessionId ?? '')).toBeDefined();
    now += 31 * 60_000;
    expect(await sessions.resume(idle?.sessionId ?? '')).toBeUndefined();

    const busy = await sessions.signIn((await sessions.invite('sun.li'))?.token ?? '');
    for (let minutes = 0; minutes < 8 * 60; minutes += 20) {
      now += 20 * 60_000;
      if (minutes + 20 < 8 * 60) expect(await sessions.resume(busy?.sessionId ?? '')).toBeDefined();
    }
    expect(await sessions.resume(busy?.sessionId ?? '')).toBeUndefined();

    const invite = await sessions.invite('sun.li');
    now += 25 * 3_600_000;
    expect(await sessions.signIn(invite?.token ?? '')).toBeUndefined();
  });
});

describe('console page', () => {
  let bundleDir: string;
  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), 'console-bundle-'));
    await writeFile(join(bundleDir, 'main-TEST.js'), '/* bundle */');
    await writeFile(
      join(bundleDir, 'manifest.json'),
      JSON.stringify({ entries: ['main-TEST.js'], preload: [], firstPage: [], styles: [], files: ['main-TEST.js'] }),
    );
  });
  afterAll(async () => {
    await rm(bundleDir, { recursive: true, force: true });
  });

  test('every console path gets the page with a strict CSP; assets come from the bundle only', async () => {
    const app = express().use(
      consolePageRoutes({
        bundleDir,
        rateLimit: (_req, _res, next) => {
          next();
        },
      }),
    );
    const page = await request(app).get('/console/enterprise/91310115MA1K000001').expect(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'none'; script-src 'self'; style-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("style-src-elem 'self' 'nonce-");
    expect(page.text).toContain('<script type="module" src="/console/assets/main-TEST.js"></script>');
    expect(page.text).not.toMatch(/https?:\/\//);
    await request(app).get('/console/assets/main-TEST.js').expect(200);
    await request(app).get('/console/assets/..%2Fsecret.js').expect(404);
    const unbuilt = express().use(
      consolePageRoutes({
        bundleDir: join(bundleDir, 'none'),
        rateLimit: (_req, _res, next) => {
          next();
        },
      }),
    );
    expect(fieldOf((await request(unbuilt).get('/console').expect(503)).body, 'error')).toMatch(/npm run build/);
  });
});
