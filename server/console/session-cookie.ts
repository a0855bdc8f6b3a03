import type { Request } from 'express';
import type { ConsoleConfig } from '../../config/console-schema.js';

export const SESSION_COOKIE = 'hub_console_session';
/** The header the console's pages send with the session's CSRF token on every API call. */
export const CSRF_HEADER = 'X-Console-CSRF';

/** The session id the request's Cookie header carries, if any. */
export function sessionIdOf(req: Request): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

/**
 * Whether the browser reached the hub over TLS: only a proxy in `trustedProxies` is believed when it
 * says so (X-Forwarded-Proto), since anyone can send the header.
 */
function overTls(req: Request, config: ConsoleConfig): boolean {
  if (config.secureCookie !== 'auto') return config.secureCookie === 'always';
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (!config.trustedProxies.includes(peer)) return false;
  return req.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** Set-Cookie for a new session: HttpOnly, SameSite=Strict, for the hub's whole origin, Secure behind TLS. */
export function sessionCookie(req: Request, config: ConsoleConfig, sessionId: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${overTls(req, config) ? '; Secure' : ''}`;
}

/** Set-Cookie that deletes the session cookie. */
export function clearedSessionCookie(req: Request, config: ConsoleConfig): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${overTls(req, config) ? '; Secure' : ''}`;
}
