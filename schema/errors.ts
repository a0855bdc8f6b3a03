import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { DomainError } from '../ingestion/errors.js';
import { maskIdentityNumbersIn } from '../ingestion/identifiers.js';

/** A client error with a stable `extensions.code`. */
export class ClientError extends GraphQLError {
  constructor(code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN', message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

export const badInput = (message: string, extra?: Record<string, unknown>) => new ClientError('BAD_USER_INPUT', message, extra);
export const notFound = (message: string) => new ClientError('NOT_FOUND', message);
/** Refused by access rules; `reason` is stable (MISSING_SCOPE, NOT_OWN_AGENCY, NO_AUTHORIZATION, …). */
export const forbidden = (reason: string, message: string) => new ClientError('FORBIDDEN', message, { reason });

/** Codes Apollo, graphql-js and the hub's request limits assign to request errors; these reach clients as they are. */
const PASS_THROUGH = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'REQUEST_TOO_EXPENSIVE',
  'RATE_LIMITED',
  'RESPONSE_TOO_LARGE',
]);

/** PostgreSQL's query_canceled: a statement ran past the API's statement timeout. */
const STATEMENT_TIMEOUT = '57014';
const isStatementTimeout = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === STATEMENT_TIMEOUT;

/**
 * The one place errors are shaped for clients: domain errors keep their code and message,
 * request errors pass, anything else is logged and masked as INTERNAL_SERVER_ERROR. Stack traces
 * never leave the server, nor do identity numbers quoted in a message.
 */
export function createErrorFormatter(logger: Logger) {
  const shape = formatFor(logger);
  // graphql-js quotes a refused variable's value in its message: an identity number never leaves the hub unmasked.
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const shaped = shape(formatted, error);
    return { ...shaped, message: maskIdentityNumbersIn(shaped.message) };
  };
}

function formatFor(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return { message: original.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: original.code } };
    }
    if (isStatementTimeout(original)) {
      const message =
        'a database statement of this request ran past the time the hub allows (limits.statementTimeoutMs): ask for smaller pages or fewer totalCounts';
      return { message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'QUERY_TIMEOUT' } };
    }
    const code = typeof formatted.extensions?.['code'] === 'string' ? formatted.extensions['code'] : undefined;
    if (code && PASS_THROUGH.has(code)) {
      const extensions = Object.fromEntries(Object.entries(formatted.extensions ?? {}).filter(([key]) => key !== 'stacktrace'));
      return { ...formatted, extensions };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving a request');
    return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
