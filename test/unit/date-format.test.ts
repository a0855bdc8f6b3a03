import { describe, expect, test } from '@jest/globals';
import { hubConfigSchema } from '../../server/hub-config.js';
import { oneAgencyConfig } from '../support/one-agency-config.js';
import { compileDateFormat } from '../../ingestion/date-format.js';
import { applyMapping } from '../../connectors/mapping.js';

describe('per-agency date formats', () => {
  test('day-first, month-first and two-digit-year formats are rewritten; other values are left for validation', () => {
    expect(compileDateFormat('DD/MM/YYYY')('05/03/2024')).toBe('2024-03-05');
    expect(compileDateFormat('MM-DD-YY')('3-5-24')).toBe('3-5-24'); // MM and DD need two digits
    expect(compileDateFormat('M-D-YY')('3-5-24')).toBe('2024-03-05');
    expect(compileDateFormat('D.M.YYYY')('5.3.2024')).toBe('2024-03-05');
    expect(compileDateFormat('DD/MM/YYYY')('2024-03-05')).toBe('2024-03-05');
    expect(compileDateFormat('DD/MM/YYYY')('31/02/2024')).toBe('2024-02-31'); // rewritten; validation refuses the impossible date
  });

  test('a format without a year, month or day is refused at config load, naming the key', () => {
    expect(() => compileDateFormat('DD/MM')).toThrow(/needs exactly one year, one month and one day/);
    const parsed = hubConfigSchema.safeParse(oneAgencyConfig({ type: 'file-drop', folder: '.', mapping: { kind: 'PENALTY', dateFormat: 'MM/YYYY' } }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.')).toBe('agencies.0.sources.0.mapping.dateFormat');
  });

  test('the mapping applies the format to date columns only', () => {
    const mapping = {
      kind: 'PENALTY' as const,
      columns: { 决定日期: 'CF_JDRQ', 文号: 'CF_WSH' },
      values: {},
      defaults: {},
      ignoreColumns: [],
      dateFormat: 'DD/MM/YYYY',
    };
    const mapped = applyMapping({ 决定日期: '15/03/2024', 文号: '01/02/2024' }, mapping, 'file-drop-1');
    expect(mapped.ok && mapped.record.fields).toEqual({ CF_JDRQ: '2024-03-15', CF_WSH: '01/02/2024' });
  });
});
