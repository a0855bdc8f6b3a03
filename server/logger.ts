import pino, { type Logger } from 'pino';
import { serializeError } from './log-errors.js';

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

/**
 * The service logger: JSON lines, credentials and identity numbers redacted, errors (`err`) reduced
 * to what failed and where (see serializeError). `destination` defaults to standard output.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'credit-hub' }, serializers: { err: serializeError } }, destination);
}
