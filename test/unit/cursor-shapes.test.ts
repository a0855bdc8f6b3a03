import { describe, expect, test } from '@jest/globals';
import { Kind } from 'graphql';
import { decodeCursor, encodeCursor, isDateIdTuple, isFeedCursor, isNumberTuple, isStringPair, parseId } from '../../schema/pagination.js';
import { DateTimeScalar } from '../../schema/scalars.js';

type ShapeCase = [isShape: (value: unknown) => boolean, value: unknown, accepted: boolean];

describe('cursor shapes accept only values the database takes', () => {
  test.each<ShapeCase>([
    [isDateIdTuple, ['2024-02-29', 1], true],
    [isDateIdTuple, ['2024-02-30', 1], false],
    [isDateIdTuple, ['2023-02-29', 1], false],
    [isDateIdTuple, ['1899-12-31', 1], false],
    [isDateIdTuple, ['2024/02/28', 1], false],
    [isDateIdTuple, ['2024-02-28', -1], false],
    [isDateIdTuple, ['2024-02-28', 2 ** 53], false],
    [isDateIdTuple, ['2024-02-28', 1.5], false],
    [isStringPair, ['上海示例', '91310115000000001X'], true],
    [isStringPair, ['上海\u0000示例', '91310115000000001X'], false],
    [isStringPair, ['上海示例', '\ud800'], false],
    [isNumberTuple, [0], true],
    [isNumberTuple, [-1], false],
    [isNumberTuple, [Number.MAX_SAFE_INTEGER + 1], false],
    [isFeedCursor, ['9223372036854775807', 0], true],
    [isFeedCursor, ['9223372036854775808', 0], false],
    [isFeedCursor, ['18446744073709551616', 0], false],
    [isFeedCursor, ['-1', 0], false],
    [isFeedCursor, ['1e3', 0], false],
    [isFeedCursor, ['', 0], false],
  ])('%p %j → %p', (isShape, value, accepted) => {
    expect(isShape(value)).toBe(accepted);
  });

  test('decodeCursor refuses a shape with bad values as it refuses garbage', () => {
    expect(decodeCursor(encodeCursor(['2024-02-28', 3]), isDateIdTuple)).toEqual(['2024-02-28', 3]);
    for (const bad of [encodeCursor(['2024-02-30', 3]), 'garbage', '']) {
      expect(() => decodeCursor(bad, isDateIdTuple)).toThrow('after is not a cursor this list returned');
    }
  });
});

describe('parseId', () => {
  test('takes the digits of a safe integer from 1', () => {
    expect(parseId('1')).toBe(1);
    expect(parseId('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  });

  test.each(['', '0', '-1', '01', '1.0', '1e3', '0x10', ' 1', '9007199254740992', '99999999999999999999', '一'])('refuses %j, naming it', (id) => {
    expect(() => parseId(id, 'record id')).toThrow(`record id ${JSON.stringify(id)} is not a hub record id`);
  });
});

describe('DateTime', () => {
  test('takes ISO 8601 times with their offset from 1900 to 9999', () => {
    expect(DateTimeScalar.parseValue('2024-06-01T08:00:00+08:00')).toEqual(new Date('2024-06-01T00:00:00Z'));
    expect(DateTimeScalar.parseValue('1900-01-01T00:00:00.000Z')).toEqual(new Date(Date.UTC(1900, 0, 1)));
    expect(DateTimeScalar.parseValue('9999-12-31T23:59:59.999Z')).toEqual(new Date(Date.UTC(10000, 0, 1) - 1));
    expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: '2024-02-29T12:00Z' }, {})).toEqual(new Date('2024-02-29T12:00:00Z'));
  });

  test.each([
    '2024-02-30T00:00:00Z',
    '2024-06-01T24:00:00Z',
    '2024-06-01',
    '2024-06-01T12:00:00',
    '+275760-09-13T00:00:00.000Z',
    '1899-12-31T23:59:59.999Z',
    '9999-12-31T23:00:00-05:00',
    'now',
  ])('refuses %j as BAD_USER_INPUT', (value) => {
    expect(() => DateTimeScalar.parseValue(value)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
  });

  test('refuses a number, and a literal that is not a string', () => {
    expect(() => DateTimeScalar.parseValue(1_700_000_000_000)).toThrow('DateTime must be a string, got number');
    expect(() => DateTimeScalar.parseLiteral({ kind: Kind.INT, value: '1700000000000' }, {})).toThrow('DateTime must be given as a string');
  });
});
