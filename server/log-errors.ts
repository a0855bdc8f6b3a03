import { maskIdentityNumbersIn } from '../ingestion/identifiers.js';

/** An error as the service log shows it: what failed and where, never the data it failed on. */
interface LoggedError {
  readonly type: string;
  readonly message: string;
  /** SQLSTATE of a database error, or the error's own code. */
  readonly code?: string;
  /** The start of the SQL statement that failed (placeholders only: parameters are never logged). */
  readonly statement?: string;
  readonly constraint?: string;
  readonly stack?: string;
  readonly cause?: LoggedError;
}

const MAX_MESSAGE = 500;
const MAX_STATEMENT = 120;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * pino's serializer for `err`: keeps type, message, code, the failing statement's first words, the
 * constraint, the stack and the cause, and drops everything else an error object carries — the
 * database driver's `params`/`parameters`, `detail`, `where` (which quote the rows of the batch that
 * failed), and any property a library adds. Messages are cut short and identity numbers in them masked.
 */
export function serializeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: '(a thrown value that is not an Error)' };
  const source = error as Error & { code?: unknown; query?: unknown; constraint?: unknown };
  const message = maskIdentityNumbersIn(error.message.slice(0, MAX_MESSAGE));
  const code = typeof source.code === 'string' || typeof source.code === 'number' ? String(source.code) : undefined;
  const statement = text(source.query)?.replace(/\s+/g, ' ').trim().slice(0, MAX_STATEMENT);
  const constraint = text(source.constraint);
  return {
    type: error.name,
    message,
    ...(code ? { code } : {}),
    ...(statement ? { statement } : {}),
    ...(constraint ? { constraint } : {}),
    // Frames only: the stack's first lines repeat the message unmasked.
    ...(error.stack
      ? {
          stack: error.stack
            .split('\n')
            .filter((line) => /^\s+at /.test(line))
            .join('\n'),
        }
      : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: serializeError(error.cause, depth + 1) } : {}),
  };
}
