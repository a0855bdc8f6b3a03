import { describe, expect, test } from '@jest/globals';
import { formatSince, parseChangeTime } from '../../connectors/http-json/change-time.js';

const EIGHT_UTC = Date.UTC(2024, 4, 1, 8); // 2024-05-01 16:00 in China

describe('change times from agency APIs', () => {
  test.each([
    ['2024-05-01T08:00:00Z', EIGHT_UTC],
    ['2024-05-01T08:00:00.000Z', EIGHT_UTC],
    ['2024-05-01T16:00:00+08:00', EIGHT_UTC],
    ['2024-05-01T16:00:00+0800', EIGHT_UTC],
    ['2024-05-01 16:00:00', EIGHT_UTC],
    ['2024/5/1 16:00', EIGHT_UTC],
    ['2024-05-01T16:00:00', EIGHT_UTC],
    ['2024-05-01 16:00:00.25', EIGHT_UTC + 250],
    ['2024-05-01', Date.UTC(2024, 3, 30, 16)],
    [EIGHT_UTC, EIGHT_UTC],
    [EIGHT_UTC / 1000, EIGHT_UTC],
    [String(EIGHT_UTC), EIGHT_UTC],
    [String(EIGHT_UTC / 1000), EIGHT_UTC],
  ])('%p is %p', (value, expected) => {
    expect(parseChangeTime(value)).toBe(expected);
  });

  test('a time without a zone is China time whatever the machine’s zone', () => {
    const zone = process.env['TZ'];
    try {
      for (const machineZone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
        process.env['TZ'] = machineZone; // Node applies a changed TZ at once
        expect(new Date(parseChangeTime('2024-12-31 23:59:59')).toISOString()).toBe('2024-12-31T15:59:59.000Z');
        expect(new Date(parseChangeTime('2024-12-31T23:59:59')).toISOString()).toBe('2024-12-31T15:59:59.000Z');
      }
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });

  test.each([
    ['2024-02-30 10:00:00'],
    ['2024-05-01 24:00:00'],
    ['2024-05-01 10:60'],
    ['yesterday'],
    ['2024-05-01T08:00:00 UTC'],
    [''],
    [null],
    [undefined],
    [true],
    [-5],
    [1.5],
    [{}],
  ])('%p is no change time', (value) => {
    expect(parseChangeTime(value)).toBeNaN();
  });

  test('updated_since is sent in the form the agency expects; China time never runs ahead of the watermark', () => {
    const watermark = '2024-05-01T08:00:00.750Z';
    expect(formatSince(watermark, 'iso')).toBe(watermark);
    expect(formatSince(watermark, 'epoch-ms')).toBe(String(EIGHT_UTC + 750));
    expect(formatSince(watermark, 'china-local')).toBe('2024-05-01 16:00:00');
  });
});
