import pino, { type Logger } from 'pino';

/** Paths never written to logs: credentials and personal identity numbers. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.privateKey',
  '*.private_jwk',
  '*.access_token',
  '*.client_assertion',
  '*.databaseUrl',
  '*.fields.*_ZJHM',
  '*.payload.*_ZJHM',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'credit-hub' } });
}
