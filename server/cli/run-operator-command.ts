import { userInfo } from 'node:os';
import type { Env } from '../../config/env.js';
import { loadHubConfig } from '../load-hub-config.js';
import { operatorSocketPath, probeOperatorChannel, untrustedSocket } from '../operator-socket.js';
import { HubCommandError, runInHub } from './hub-channel-client.js';
import type { CommandOutcome, OperatorCommand } from './operator-command.js';
import { progressBar } from './progress-bar.js';
import { runLocally } from './run-locally.js';

/** The hub's address as people reach it: HUB_URL, else this machine on PORT. */
export const hubUrlOf = (env: Env): string => env.HUB_URL ?? `http://localhost:${env.PORT}`;

const refusal = (message: string) => new HubCommandError({ message, usage: false, known: true });

/**
 * The one place that chooses the transport: a hub answering on the operator socket in HUB_DATA_DIR
 * runs the command (it holds the embedded database); when none answers (no socket, or a stale one
 * a killed hub left), this process opens the database itself. The socket is trusted only when it is
 * this user's, in a folder no one else may write, and its hub is the one HUB_CONFIG names; a hub that
 * holds its socket without answering (busy) is not bypassed. Progress is drawn on standard error.
 */
export async function runOperatorCommand(env: Env, command: OperatorCommand, args: readonly string[]): Promise<CommandOutcome> {
  const socketPath = operatorSocketPath(env.HUB_DATA_DIR);
  const bar = progressBar();
  try {
    const untrusted = await untrustedSocket(socketPath);
    if (untrusted) throw refusal(`not using the operator socket: ${untrusted}`);
    const channel = await probeOperatorChannel(socketPath);
    if (channel.state === 'answering') {
      const hubId = (await loadHubConfig(env.HUB_CONFIG)).hub.id;
      if (channel.hub !== hubId)
        throw refusal(
          `the operator socket ${socketPath} answers as hub "${channel.hub.slice(0, 64)}", not ${hubId} of HUB_CONFIG: check HUB_DATA_DIR and HUB_CONFIG`,
        );
      return await runInHub(socketPath, { name: command.name, args, cwd: process.cwd(), osUser: userInfo().username }, bar.report);
    }
    if (channel.state === 'refused')
      throw refusal(`the running hub's operator channel ${socketPath} refuses this user (${channel.code}): run the CLI as the OS user who owns HUB_DATA_DIR`);
    if (channel.state === 'busy')
      throw refusal(
        `the hub's operator socket ${socketPath} did not answer (${channel.code}): the hub may be busy; try again, or stop it to run the CLI on its own`,
      );
    const run = await command.prepare(args, process.cwd());
    return await runLocally(env, hubUrlOf(env), run, bar.report);
  } finally {
    bar.stop();
  }
}
