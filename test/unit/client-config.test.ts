import { describe, expect, test } from '@jest/globals';
import { toRegistration, RegistrationError } from '../../access/client-registration.js';
import { hubConfigSchema } from '../../server/hub-config.js';
import { AUTHORITY_USCC } from '../support/records.js';

describe('client registrations', () => {
  test('the config file names each bad client key; the CLI path refuses the same description', async () => {
    const bad = { id: 'a-bank', name: '银行', type: 'BANK' as const, agency: 'SH-SAMR', scopes: ['records:read' as const] };
    const parsed = hubConfigSchema.safeParse({
      hub: { id: 'hub-test', region: '310000' },
      agencies: [{ code: 'SH-SAMR', name: 'x', region: '310000', uscc: AUTHORITY_USCC }],
      clients: [bad],
    });
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['clients.0.publicKeyFile', 'set publicKeyFile, jwksUrl or secretFile: how the client authenticates'],
      ['clients.0.agency', 'an AGENCY client names its agency; other types do not'],
      ['clients.0.scopes.0', 'scope records:read is not allowed for a BANK client (allowed: credit:report)'],
    ]);
    await expect(toRegistration(bad)).rejects.toThrow(RegistrationError);
    await expect(toRegistration(bad)).rejects.toThrow(/client a-bank: publicKeyFile: .*; agency: .*; scopes\.0: scope records:read is not allowed/);
  });
});
