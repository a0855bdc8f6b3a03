import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh secret for an invite link or a session cookie: 256 random bits, base64url. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** What the database keeps of a secret: its SHA-256, hex. A copy of the database signs no one in. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** A short public name of a session, for listing and revoking it; not a secret. */
export const newSessionHandle = (): string => randomBytes(6).toString('hex');

/**
 * The CSRF token of a session: derived from its secret id, so it needs no storage. Pages read it from
 * /console/api/session (same origin only) and send it in X-Console-CSRF; another site can neither read
 * it nor (SameSite=Strict) make the browser send the cookie.
 */
export const csrfTokenOf = (sessionId: string): string => createHash('sha256').update(`console-csrf\0${sessionId}`, 'utf8').digest('base64url');

/** Whether `given` is the session's CSRF token, compared in constant time. */
export function isCsrfTokenOf(sessionId: string, given: string): boolean {
  const expected = Buffer.from(csrfTokenOf(sessionId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
