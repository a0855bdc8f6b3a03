import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import type { ClientConfig } from '../../access/access-config-schema.js';
import { CLIENT_ASSERTION_TYP } from '../../server/auth/client-authentication.js';
import { FIXED_NOW } from './ingestion.js';

/** A client of the test hub with its own key pair; its public key is registered through the config file path. */
export interface TestClient {
  readonly config: ClientConfig;
  readonly privateKey: CryptoKey;
  readonly kid: string;
}

const folder = mkdtempSync(join(tmpdir(), 'hub-test-clients-'));

async function testClient(config: Omit<ClientConfig, 'publicKeyFile' | 'regions'> & { regions?: string[] }): Promise<TestClient> {
  const { publicKey, privateKey } = await generateKeyPair('Ed25519');
  const kid = `${config.id}-key-1`;
  const publicKeyFile = join(folder, `${config.id}.jwk.json`);
  writeFileSync(publicKeyFile, JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }));
  return { config: { regions: [], ...config, publicKeyFile }, privateKey, kid };
}

const secretFile = join(folder, 'dev.secret');
writeFileSync(secretFile, 'a-development-only-secret-0123456789');
export const DEV_SECRET = 'a-development-only-secret-0123456789';

export const TEST_CLIENTS = {
  admin: await testClient({ id: 'test-admin', name: '枢纽运维', type: 'ADMIN' }),
  agency: await testClient({ id: 'test-agency', name: '上海市市场监督管理局', type: 'AGENCY', agency: 'SH-SAMR', secretFile }),
  otherAgency: await testClient({ id: 'test-agency-zj', name: '浙江省税务局', type: 'AGENCY', agency: 'ZJ-TAX' }),
  bank: await testClient({ id: 'test-bank', name: '示例银行上海分行', type: 'BANK' }),
  slowBank: await testClient({ id: 'test-bank-slow', name: '示例农村商业银行', type: 'BANK', requestsPerMinute: 5 }),
  partner: await testClient({ id: 'test-partner', name: '浙江省公共信用信息平台', type: 'PARTNER_HUB', regions: ['330000'] }),
} as const;

/** A private_key_jwt client assertion, valid at FIXED_NOW unless claims or header say otherwise. */
export async function clientAssertion(
  client: TestClient,
  audience: string,
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey } = {},
): Promise<string> {
  const now = Math.floor(FIXED_NOW.getTime() / 1000);
  return new SignJWT({ iss: client.config.id, sub: client.config.id, aud: audience, iat: now, exp: now + 60, jti: randomUUID(), ...options.claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: client.kid, typ: CLIENT_ASSERTION_TYP, ...options.header })
    .sign(options.key ?? client.privateKey);
}
