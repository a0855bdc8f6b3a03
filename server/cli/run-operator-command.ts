import type { Env } from '../../config/env.js';
import { operatorSocketPath, probeOperatorChannel } from '../operator-socket.js';
import { HubCommandError, runInHub } from './hub-channel-client.js';
import type { CommandOutcome, OperatorCommand } from './operator-command.js';
import { progressBar } from './progress-bar.js';
import { runLocally } from './run-locally.js';

/** The hub's address as people reach it: HUB_URL, else this machine on PORT. */
export const hubUrlOf = (env: Env): string => env.HUB_URL ?? `http://localhost:${env.PORT}`;

/**
 * The one place that chooses the transport: a hub answering on the operator socket in HUB_DATA_DIR
 * runs the command (it holds the embedded database); when none answers (no socket, or a stale one
 * a killed hub left), this process opens the database itself. Progress is drawn on standard error.
 */
export async function runOperatorCommand(env: Env, command: OperatorCommand, args: readonly string[]): Promise<CommandOutcome> {
  const socketPath = operatorSocketPath(env.HUB_DATA_DIR);
  const bar = progressBar();
  try {
    const channel = await probeOperatorChannel(socketPath);
    if (channel.state === 'answering') return await runInHub(socketPath, { name: command.name, args, cwd: process.cwd() }, bar.report);
    if (channel.state === 'refused')
      throw new HubCommandError({
        message: `the running hub's operator channel ${socketPath} refuses this user (${channel.code}): run the CLI as the OS user who owns HUB_DATA_DIR`,
        usage: false,
        known: true,
      });
    const run = await command.prepare(args, process.cwd());
    return await runLocally(env, hubUrlOf(env), run, bar.report);
  } finally {
    bar.stop();
  }
}
