import { RegistrationError } from '../access/client-registration.js';
import { ConfigError } from '../config/config-error.js';
import { DomainError } from '../ingestion/errors.js';
import { UsageError } from './cli/arguments.js';
import type { CommandOutcome } from './cli/operator-command.js';
import { ConsoleUserError } from './console/console-users.js';
import { ImportError } from './import-command.js';

/** Why a command did not run: its message (naming the argument, rule and value), whether the usage helps, whether it is a foreseen refusal. */
export interface OperatorFailure {
  readonly message: string;
  readonly usage: boolean;
  /** A refusal of the input (exit 1 with its message); otherwise a fault, logged in full by whoever ran it. */
  readonly known: boolean;
}

/** One line of the operator channel's answer: progress, then the outcome or the failure. */
export type ChannelEvent =
  | { readonly progress: { readonly what: string; readonly unit: string; readonly done: number; readonly total: number } }
  | { readonly outcome: CommandOutcome }
  | { readonly error: OperatorFailure };

/** A command the hub stopped before it ended: its CLI disconnected, or the hub is stopping. What it committed so far stays. */
export class CommandCancelled extends Error {}

const REFUSALS = [UsageError, RegistrationError, ConfigError, ConsoleUserError, ImportError, DomainError, CommandCancelled];

/** node:util parseArgs refuses an unknown option, a missing value or a stray positional with a TypeError of one of these codes. */
const isArgumentError = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
};

/** The failure a thrown error is, the same in the CLI's process and in the hub's channel. */
export function operatorFailure(error: unknown): OperatorFailure {
  const usage = error instanceof UsageError || isArgumentError(error);
  const message = (error as { message?: unknown } | null)?.message;
  return {
    message: typeof message === 'string' ? message : String(error),
    usage,
    known: usage || REFUSALS.some((refusal) => error instanceof refusal),
  };
}
