/** Full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space, as agencies' spreadsheets produce them. */
const FULL_WIDTH_START = 0xff01;
const FULL_WIDTH_END = 0xff5e;
const FULL_WIDTH_OFFSET = 0xfee0;

const NEEDS_CONVERSION = /[\uFF01-\uFF5E\u3000]/;

/**
 * An input value as text, before validation: '' when missing, a string as it is, a number or boolean
 * as String() writes it, a list joined by commas (as String() joins it), any other object as JSON.
 * Records reach validation from agencies' JSON and stored quarantine payloads, whose declared types
 * are what validation is about to check, so any JSON value may arrive where text is declared.
 */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.join(',');
  return JSON.stringify(value);
}

/**
 * Converts full-width characters to their half-width forms and trims the result: the normal form of
 * identifiers, codes, numbers and dates, never applied to free text (see tidyText).
 */
export function toHalfWidth(input: string): string {
  if (!NEEDS_CONVERSION.test(input)) return input.trim();
  let out = '';
  for (const ch of input) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= FULL_WIDTH_START && code <= FULL_WIDTH_END) out += String.fromCodePoint(code - FULL_WIDTH_OFFSET);
    else if (code === 0x3000) out += ' ';
    else out += ch;
  }
  return out.trim();
}

/**
 * Free text as the agency wrote it, with only what is never content removed: whitespace at its end,
 * and spaces, tabs and line breaks at its start (cell padding, a stray newline from a spreadsheet).
 * Full-width punctuation and letters stay, and so does a leading ideographic space (the 首行缩进 of
 * a paragraph): `经查，当事人` is stored as `经查，当事人`.
 */
export function tidyText(input: string): string {
  return input.replace(/^[ \t\r\n]+/, '').trimEnd();
}

/**
 * NUL, other C0 control characters (tab, line feed and carriage return excepted) and UTF-16
 * surrogates without their pair: PostgreSQL cannot store the first and last (text and jsonb refuse
 * them), and none belongs in an agency's text.
 */
// The C0 controls are the control characters (\p{Cc}) less tab, line feed, carriage return, DEL and the C1 range.
const UNSTORABLE = /(?=\p{Cc})[^\t\n\r\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/** What makes `text` unstorable, in words, or undefined when it is fine. */
export function unstorableCharacter(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0);
  if (code === 0) return 'a NUL character';
  return code >= 0xd800 ? 'a UTF-16 surrogate without its pair' : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
