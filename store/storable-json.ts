/**
 * NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
 * Without the `u` flag the pattern works on UTF-16 code units, which is what makes a lone half visible.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const REPLACEMENT = '\uFFFD';

/** The text with NUL and unpaired surrogates replaced by U+FFFD: PostgreSQL refuses both in text and jsonb. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, REPLACEMENT);
}

/**
 * `JSON.stringify(value)` with every string, object keys included, made storable (storableText),
 * for what the hub keeps as received (a quarantined record), which may hold anything an agency
 * sent. Without such characters the text is exactly JSON.stringify's.
 */
export function storableJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'string') return storableText(item);
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const entries = Object.entries(item);
    if (!entries.some(([key]) => storableText(key) !== key)) return item;
    // Values are made storable as JSON.stringify walks on into the new object.
    return Object.fromEntries(entries.map(([key, nested]) => [storableText(key), nested]));
  });
}
