import { describe, expect, test } from '@jest/globals';
import { checkResidentId, checkUscc, maskIdentityNumber, usccCheckCharacter } from '../../ingestion/identifiers.js';

describe('USCC (GB 32100-2015)', () => {
  test("the standard's own example gives check character 3", () => {
    expect(usccCheckCharacter('91350100M000100Y4')).toBe('3');
    expect(checkUscc('91350100M000100Y43')).toEqual({ ok: true, uscc: '91350100M000100Y43' });
  });

  test('normalises lower case, full-width characters and surrounding space', () => {
    expect(checkUscc('  91350100m000100y43 ')).toEqual({ ok: true, uscc: '91350100M000100Y43' });
    expect(checkUscc('９１３５０１００Ｍ０００１００Ｙ４３')).toEqual({ ok: true, uscc: '91350100M000100Y43' });
  });

  test('a wrong check character is a checksum failure an operator can override, with the expected character', () => {
    const verdict = checkUscc('91350100M000100Y44');
    expect(verdict).toMatchObject({ ok: false, rule: 'USCC_CHECKSUM', normalized: '91350100M000100Y44' });
    expect(!verdict.ok && verdict.message).toContain('gives 3');
  });

  test.each([
    ['too short', '91350100M000100Y4'],
    ['too long', '91350100M000100Y433'],
    ['forbidden letter I', '91350100I000100Y43'],
    ['forbidden letter O', '9135010OM000100Y43'],
    ['punctuation', '91350100-000100Y43'],
  ])('%s is a format error', (_label, code) => {
    expect(checkUscc(code)).toMatchObject({ ok: false, rule: 'USCC_FORMAT' });
  });

  test('check character 0 when the weighted sum is a multiple of 31', () => {
    // Search a body whose check is 0 to cover the 31 → 0 rule.
    let body = '';
    for (let n = 0; n < 1000 && !body; n++) {
      const candidate = `913101150000${n.toString().padStart(5, '0')}`;
      if (usccCheckCharacter(candidate) === '0') body = candidate;
    }
    expect(checkUscc(`${body}0`)).toEqual({ ok: true, uscc: `${body}0` });
  });
});

describe('resident identity number (GB 11643-1999)', () => {
  test("the handbook's example is valid", () => {
    expect(checkResidentId('11010519491231002X')).toEqual({ ok: true, id: '11010519491231002X' });
  });
  test('lower-case x and full-width digits are normalised', () => {
    expect(checkResidentId('11010519491231002x')).toEqual({ ok: true, id: '11010519491231002X' });
    expect(checkResidentId('１１０１０５１９４９１２３１００２Ｘ')).toEqual({ ok: true, id: '11010519491231002X' });
  });
  test('a wrong check character, a wrong length and an impossible birth date are refused', () => {
    expect(checkResidentId('110105194912310021')).toMatchObject({ ok: false, rule: 'RESIDENT_ID_CHECKSUM' });
    expect(checkResidentId('11010519491231002')).toMatchObject({ ok: false, rule: 'RESIDENT_ID_FORMAT' });
    expect(checkResidentId('110105194902300027')).toMatchObject({ ok: false, rule: 'RESIDENT_ID_FORMAT' });
  });
  test('masking keeps the first and last four characters', () => {
    expect(maskIdentityNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskIdentityNumber('E1234567')).toBe('********');
  });
});
