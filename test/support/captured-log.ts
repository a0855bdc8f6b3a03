import pino, { type Logger } from 'pino';

/** A service log kept in memory, to read what the hub logged. */
export interface CapturedLog {
  readonly logger: Logger;
  /** Every line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Every line so far, as written. */
  text(): string;
}

/** A debug-level pino logger writing JSON lines to memory (pass it to startTestHub). */
export function capturedLog(): CapturedLog {
  const chunks: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (chunk: string) => void chunks.push(chunk) });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
