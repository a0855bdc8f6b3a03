import { describe, expect, test } from '@jest/globals';
import { readQuarantinedPayload, readQuarantineReasons } from '../../ingestion/quarantine-payload.js';

describe('quarantine payloads read back from the store', () => {
  test('a mapped record keeps its record and the agency row it came from; a pushed one has no origin', () => {
    const origin = { connector: 'penalties', row: { 决定书文号: '沪市监罚〔2024〕1号', 金额: 3 } };
    const mapped = { kind: 'PENALTY', sourceRecordId: 'A-1', fields: { CF_WSH: '沪市监罚〔2024〕1号' }, origin };
    expect(readQuarantinedPayload(mapped)).toEqual({ record: mapped, origin });
    const pushed = { kind: 'PERMIT', fields: { XK_WSH: 'x' } };
    expect(readQuarantinedPayload(pushed)).toEqual({ record: pushed, origin: undefined });
  });

  test('what a connector kept of an unreadable line or file, or a payload in an unexpected shape, holds no record', () => {
    expect(readQuarantinedPayload({ file: 'penalties.csv', line: 7 })).toEqual({ record: undefined, origin: undefined });
    expect(readQuarantinedPayload({ kind: 'PENALTY' })).toEqual({ record: undefined, origin: undefined });
    expect(readQuarantinedPayload({ kind: 3, fields: {} }).record).toBeUndefined();
    expect(readQuarantinedPayload({ kind: 'PENALTY', fields: 'CF_WSH=x' }).record).toBeUndefined();
    expect(readQuarantinedPayload(null).record).toBeUndefined();
    expect(readQuarantinedPayload([{ kind: 'PENALTY', fields: {} }]).record).toBeUndefined();
  });

  test('a row keeps every column as stored, an own __proto__ column included (a replay must refuse it again as unmapped)', () => {
    const row: unknown = JSON.parse('{"__proto__": "x", "决定书文号": "沪市监罚〔2024〕1号"}');
    const payload = { kind: 'PENALTY', fields: {}, origin: { connector: 'penalties', row } };
    const { origin } = readQuarantinedPayload(payload);
    expect(origin?.row).toBe(row);
    expect(Object.keys(origin?.row ?? {})).toEqual(['__proto__', '决定书文号']);
  });

  test('reasons: well-formed ones are kept; others read as UNREADABLE_REASON, so checks on them fail closed', () => {
    const reason = { field: 'CF_XDR_SHXYM', rule: 'USCC_CHECKSUM', value: '91310000MA1K000000', message: 'check digit' };
    expect(readQuarantineReasons([reason, { field: 'x' }]).map((r) => r.rule)).toEqual(['USCC_CHECKSUM', 'UNREADABLE_REASON']);
    expect(readQuarantineReasons({ reason }).map((r) => r.rule)).toEqual(['UNREADABLE_REASON']);
  });
});
