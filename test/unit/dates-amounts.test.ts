import { describe, expect, test } from '@jest/globals';
import { compareAmounts, parseAmountWan, wanToYuan } from '../../ingestion/amounts.js';
import { addMonths, chinaToday, parseCalendarDate } from '../../ingestion/dates.js';

describe('parseCalendarDate', () => {
  test.each([
    ['2023-01-05', '2023-01-05'],
    ['2023/1/5', '2023-01-05'],
    ['2023.1.5', '2023-01-05'],
    ['2023年1月5日', '2023-01-05'],
    ['20230105', '2023-01-05'],
    ['２０２３年１月５日', '2023-01-05'],
    ['2023-01-05T10:30:00+08:00', '2023-01-05'],
    // With a zone, the date in China: UTC midnight-of-China (a common serialiser default) is the next day.
    ['2023-01-04T16:00:00.000Z', '2023-01-05'],
    ['2023-01-05T00:00:00Z', '2023-01-05'],
    ['2023-01-05T15:59:59.123Z', '2023-01-05'],
    ['2023-01-05T23:59:59Z', '2023-01-06'],
    ['2023-01-05T10:30:00+0800', '2023-01-05'],
    ['2023-01-05 10:30:00', '2023-01-05'],
    ['2023-01-05 08:00', '2023-01-05'],
    ['2024-02-29', '2024-02-29'],
  ])('%s → %s', (raw, iso) => {
    expect(parseCalendarDate(raw)).toEqual({ ok: true, date: iso });
  });

  test.each(['2023-02-30', '2023-02-30T10:00:00Z', '2023-13-01', '2023-02-29', '20230230', '2023年2月30日', 'yesterday', '05/01/2023', ''])(
    '%s is refused',
    (raw) => {
      expect(parseCalendarDate(raw).ok).toBe(false);
    },
  );

  test('adding months clamps to the end of the month', () => {
    expect(addMonths('2023-08-31', 6)).toBe('2024-02-29');
    expect(addMonths('2024-03-15', 36)).toBe('2027-03-15');
  });

  test('today is counted in China Standard Time', () => {
    expect(chinaToday(new Date('2024-06-01T16:30:00Z'))).toBe('2024-06-02');
  });
});

describe('amounts in 万元', () => {
  test.each([
    ['5', '5.000000'],
    ['0.5', '0.500000'],
    ['1,234.5', '1234.500000'],
    ['３.２５', '3.250000'],
    ['12万元', '12.000000'],
    ['0.000001', '0.000001'],
    ['999999999999.999999', '999999999999.999999'],
  ])('%s → %s exactly', (raw, value) => {
    expect(parseAmountWan(raw)).toEqual({ ok: true, value });
  });

  test.each(['-1', '1.0000001', 'abc', '1e3', '1000000000000'])('%s is refused', (raw) => {
    expect(parseAmountWan(raw).ok).toBe(false);
  });

  test('conversion to yuan is exact, with no floating point drift', () => {
    expect(wanToYuan('0.000001')).toBe('0.01');
    expect(wanToYuan('1.234567')).toBe('12345.67');
    expect(wanToYuan('999999999999.999999')).toBe('9999999999999999.99');
    expect(compareAmounts('0.1', '0.100000')).toBe(0);
    expect(compareAmounts('1', '0.999999')).toBe(1);
    expect(compareAmounts('9.5', '10')).toBe(-1);
    expect(compareAmounts('007.5', '7.500000')).toBe(0);
    expect(compareAmounts('0', '0.000001')).toBe(-1);
    expect(compareAmounts('123456789012.000001', '123456789012')).toBe(1);
  });
});
