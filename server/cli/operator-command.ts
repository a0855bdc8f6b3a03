import type { Logger } from 'pino';
import type { SigningKeys } from '../../access/signing-keys.js';
import type { IngestionDeps } from '../../ingestion/ingest-batch.js';
import type { HubDb } from '../../store/database.js';
import type { HubConfig } from '../hub-config.js';

/**
 * What an operator command runs with, wherever it runs: in the running hub (its channel, its signing
 * keys and metrics) or in the CLI's own process (the database it opened). The config is the config
 * file as it is when the command runs, on both paths.
 */
export interface OperatorDeps {
  readonly db: HubDb;
  readonly config: HubConfig;
  /** The running hub's keys when run there, so a rotation takes effect in it at once. */
  readonly keys: SigningKeys;
  readonly ingestion: IngestionDeps;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** The hub's address as people reach it, for links (console invites) when console.publicUrl is not set. */
  readonly hubUrl: string;
  /** The OS user who ran the CLI, as it said (recorded in the audit entries of its changes); absent when unknown. */
  readonly osUser?: string;
}

/** Told of a long command's progress: what it works through, its unit, done so far and the total. */
export type ProgressReport = (what: string, unit: string, done: number, total: number) => void;

/** What a command ends with: the lines for standard output and the exit code. */
export interface CommandOutcome {
  readonly lines: readonly string[];
  readonly exitCode: number;
}

/** A command whose arguments were validated: it runs against the database. */
export type PreparedCommand = (deps: OperatorDeps, progress: ProgressReport) => Promise<CommandOutcome>;

/**
 * An operator command that needs the database: one implementation, run by the CLI itself or by the
 * running hub (server/operator-channel.ts), whichever holds the database.
 */
export interface OperatorCommand {
  /** The words that name it, e.g. `client revoke`. */
  readonly name: string;
  /**
   * Validates the arguments before anything touches the database (file paths are resolved against
   * `cwd`, the operator's working folder) and returns the command to run. Throws UsageError (or the
   * domain's validation error) naming the argument, the rule and the value.
   */
  prepare(args: readonly string[], cwd: string): PreparedCommand | Promise<PreparedCommand>;
}

/** Output lines and exit 0. */
export const done = (...lines: string[]): CommandOutcome => ({ lines, exitCode: 0 });
