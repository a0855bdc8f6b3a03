import { request } from 'node:http';
import { createInterface } from 'node:readline';
import type { ChannelEvent, OperatorFailure } from '../operator-protocol.js';
import type { CommandOutcome, ProgressReport } from './operator-command.js';

/** A command the running hub refused or failed, as its channel reported it. */
export class HubCommandError extends Error {
  constructor(readonly failure: OperatorFailure) {
    super(failure.message);
  }
}

/**
 * Runs an operator command in the running hub through its operator channel (server/operator-channel.ts):
 * progress goes to `progress`, the outcome is returned; a refusal throws HubCommandError.
 */
export function runInHub(
  socketPath: string,
  command: { readonly name: string; readonly args: readonly string[]; readonly cwd: string },
  progress: ProgressReport,
): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/commands', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let settled = false;
      const lines = createInterface({ input: res });
      lines.on('line', (line) => {
        const event = parseEvent(line);
        if ('progress' in event) {
          progress(event.progress.what, event.progress.unit, event.progress.done, event.progress.total);
          return;
        }
        settled = true;
        if ('outcome' in event) resolve(event.outcome);
        else reject(new HubCommandError(event.error));
      });
      lines.on('close', () => {
        if (!settled) reject(new Error(`the running hub ended the command ${command.name} without an outcome (HTTP ${String(res.statusCode)}): see its log`));
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`the running hub's operator channel at ${socketPath} failed (${error.code ?? error.message}): see its log`));
    });
    req.end(JSON.stringify({ command: command.name, args: command.args, cwd: command.cwd }));
  });
}

function parseEvent(line: string): ChannelEvent {
  try {
    return JSON.parse(line) as ChannelEvent;
  } catch {
    return { error: { message: `the running hub answered what is not an operator channel event (${line.length} characters)`, usage: false, known: false } };
  }
}
