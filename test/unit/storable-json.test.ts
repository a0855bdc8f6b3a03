import { describe, expect, test } from '@jest/globals';
import { storableJsonText } from '../../store/storable-json.js';

describe('storableJsonText', () => {
  test('replaces NUL and unpaired surrogates, in values and keys, with U+FFFD', () => {
    const text = storableJsonText({ a: 'x\u0000y', 'k\uD800': ['\uDC00', '\uD800\uD800'], nested: { 'z\u0000': 1 } });
    expect(JSON.parse(text)).toEqual({ a: 'x\uFFFDy', 'k\uFFFD': ['\uFFFD', '\uFFFD\uFFFD'], nested: { 'z\uFFFD': 1 } });
  });

  test('leaves paired surrogates (characters beyond the BMP) and ordinary JSON as JSON.stringify makes it', () => {
    const value = { name: '𠮷野家 🍜', date: new Date('2024-01-01T00:00:00Z'), skipped: undefined, list: [1, null, true] };
    expect(storableJsonText(value)).toBe(JSON.stringify(value));
  });
});
