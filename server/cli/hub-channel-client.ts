import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { ChannelEvent, OperatorFailure } from '../operator-protocol.js';
import type { CommandOutcome, ProgressReport } from './operator-command.js';

/** A command the running hub refused or failed, as its channel reported it. */
export class HubCommandError extends Error {
  constructor(readonly failure: OperatorFailure) {
    super(failure.message);
  }
}

/** Control characters (but tab) and bidirectional overrides: a socket's answer may not move the cursor, recolour or reorder the terminal. */
const TERMINAL_CONTROLS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/** `text` safe to print on a terminal: each control character replaced by U+FFFD. */
export function printable(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (char) => (char === '\t' ? char : '\uFFFD'));
}

/**
 * Runs an operator command in the running hub through its operator channel (server/operator-channel.ts):
 * progress goes to `progress`, the outcome is returned; a refusal throws HubCommandError.
 */
export function runInHub(
  socketPath: string,
  command: { readonly name: string; readonly args: readonly string[]; readonly cwd: string; readonly osUser: string },
  progress: ProgressReport,
): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/commands', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let settled = false;
      const lines = createInterface({ input: res });
      lines.on('line', (line) => {
        const event = parseEvent(line);
        if ('progress' in event) {
          progress(printable(event.progress.what), printable(event.progress.unit), event.progress.done, event.progress.total);
          return;
        }
        settled = true;
        if ('outcome' in event) resolve({ lines: event.outcome.lines.map(printable), exitCode: event.outcome.exitCode });
        else reject(new HubCommandError({ ...event.error, message: printable(event.error.message) }));
      });
      lines.on('close', () => {
        if (!settled) reject(new Error(`the running hub ended the command ${command.name} without an outcome (HTTP ${String(res.statusCode)}): see its log`));
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`the running hub's operator channel at ${socketPath} failed (${error.code ?? error.message}): see its log`));
    });
    req.end(JSON.stringify({ command: command.name, args: command.args, cwd: command.cwd, osUser: command.osUser }));
  });
}

const failure = z.object({ message: z.string(), usage: z.boolean(), known: z.boolean() });
const channelEvent = z.union([
  z.object({ progress: z.object({ what: z.string(), unit: z.string(), done: z.number(), total: z.number() }) }),
  z.object({ outcome: z.object({ lines: z.array(z.string()), exitCode: z.number().int() }) }),
  z.object({ error: failure }),
]);

/** One line of the answer, checked: whatever else the socket sends is a failure, not something to print. */
function parseEvent(line: string): ChannelEvent {
  try {
    const parsed = channelEvent.safeParse(JSON.parse(line));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: answered below as any other line that is not an event.
  }
  return { error: { message: `the running hub answered what is not an operator channel event (${line.length} characters)`, usage: false, known: false } };
}
