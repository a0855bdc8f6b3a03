import { AuthError, type AuthErrorCode } from './auth-error.js';

/** RFC 6749 Appendix A: VSCHAR, the printable ASCII characters client ids and grant types are made of. */
const VSCHARS = /^[\x20-\x7e]*$/;
/** RFC 6749 §3.3: scope tokens of NQCHAR (printable ASCII but space, " and \), one space apart. */
const SCOPE_LIST = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
/** A compact JWS: three base64url parts. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Control characters (NUL among them) and UTF-16 halves without their pair: never stored, never compared. */
const UNSAFE_TEXT = /[\p{Cc}\p{Cs}]/u;

/** What a value must look like, and what the refusal says when it does not. */
interface ValueRule {
  readonly maxLength: number;
  readonly pattern?: RegExp;
  readonly patternRule?: string;
  /** A credential is never echoed back, not even in part. */
  readonly secret?: boolean;
}

export const TOKEN_REQUEST_RULES = {
  grant_type: { maxLength: 200, pattern: VSCHARS, patternRule: 'printable ASCII' },
  client_id: { maxLength: 128, pattern: VSCHARS, patternRule: 'printable ASCII' },
  client_assertion_type: { maxLength: 200, pattern: VSCHARS, patternRule: 'printable ASCII' },
  client_assertion: { maxLength: 8192, pattern: COMPACT_JWS, patternRule: 'a compact JWT (three base64url parts)', secret: true },
  scope: { maxLength: 1000, pattern: SCOPE_LIST, patternRule: 'scope names of printable ASCII one space apart' },
} satisfies Record<string, ValueRule>;

/** Claims and header members of a client assertion read before its signature is checked. */
export const ASSERTION_VALUE_RULES = {
  iss: { maxLength: 128, pattern: VSCHARS, patternRule: 'printable ASCII' },
  sub: { maxLength: 128, pattern: VSCHARS, patternRule: 'printable ASCII' },
  jti: { maxLength: 200 },
  kid: { maxLength: 200 },
} satisfies Record<string, ValueRule>;

/** HTTP Basic credentials (client_secret_basic), once decoded. */
export const BASIC_CREDENTIAL_RULES = {
  client_id: TOKEN_REQUEST_RULES.client_id,
  client_secret: { maxLength: 1024, secret: true },
} satisfies Record<string, ValueRule>;

/** The value as a refusal may show it: JSON-quoted (control characters visible as escapes), cut short. */
const shown = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * Checks one untrusted value before it is compared, looked up or stored: at most `maxLength`
 * characters, no control characters (NUL included) or lone surrogates, and the rule's pattern.
 * Throws AuthError(`code`) naming the field, the rule and (unless a credential) the value.
 */
export function checkValue(field: string, value: string, rule: ValueRule, code: AuthErrorCode): void {
  const echo = rule.secret ? '' : ` (got ${shown(value)})`;
  if (value.length > rule.maxLength) throw new AuthError(code, `${field} is longer than ${rule.maxLength} characters`);
  if (UNSAFE_TEXT.test(value)) throw new AuthError(code, `${field} must not contain control characters or unpaired surrogates${echo}`);
  if (rule.pattern && !rule.pattern.test(value)) throw new AuthError(code, `${field} must be ${rule.patternRule ?? 'well-formed'}${echo}`);
}

/**
 * The string values of a form, each checked against its rule; a parameter sent twice (RFC 6749 §3.2)
 * or not a string is refused. Parameters without a rule are ignored (RFC 6749 §3.2: unknown ones are).
 */
export function checkedForm<Name extends string>(body: Record<string, unknown>, rules: Record<Name, ValueRule>): Partial<Record<Name, string>> {
  const values: Partial<Record<Name, string>> = {};
  for (const name of Object.keys(rules) as Name[]) {
    const value = body[name];
    // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw new AuthError('invalid_request', `${name} must be sent once, as a single value`);
    checkValue(name, value, rules[name], 'invalid_request');
    values[name] = value;
  }
  return values;
}
