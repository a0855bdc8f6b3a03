/** Full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space, as agencies' spreadsheets produce them. */
const FULL_WIDTH_START = 0xff01;
const FULL_WIDTH_END = 0xff5e;
const FULL_WIDTH_OFFSET = 0xfee0;

const NEEDS_CONVERSION = /[\uFF01-\uFF5E\u3000]/;

/** Converts full-width characters to their half-width forms and trims the result. */
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
