import { chmod, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { OPERATOR_COMMANDS } from './cli/commands.js';
import type { OperatorCommand, OperatorDeps, ProgressReport } from './cli/operator-command.js';
import { CommandCancelled, operatorFailure, type ChannelEvent } from './operator-protocol.js';
import { foreignSocketFile, operatorSocketPath, probeOperatorChannel, unusableSocketPath } from './operator-socket.js';

/** The operator channel of a running hub; close() stops it and removes its socket. */
export interface OperatorChannel {
  readonly path: string;
  /**
   * Stops taking commands; a command still running is cancelled after `graceMs` (at its next progress
   * report) and its connection closed, then given up to 10 s more to end its batch and record its audit
   * entry, so shutdown waits a bounded time for it. Removes the socket only if it
   * is still the one this hub bound (another hub may have replaced it).
   */
  close(graceMs?: number): Promise<void>;
}

export interface OperatorChannelDeps {
  /** The hub's data folder (HUB_DATA_DIR): the socket is `hub.sock` in it. */
  readonly dataDir: string;
  /** This hub's id, answered to a ping so the CLI knows who it talks to. */
  readonly hubId: string;
  /** What a command runs with, made for each command (the config file as it is then, the hub's database, keys and ingestion). */
  operatorDeps(): Promise<OperatorDeps>;
  readonly logger: Logger;
}

const MAX_BODY_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 5000;
/** How long a stopping hub waits for a cancelled command to finish its batch and record its entry. */
const CANCELLED_END_MS = 10_000;

/** A command as the CLI sends it: its name, its arguments, the operator's working folder (relative file paths are theirs) and OS user. */
const commandRequest = z
  .object({
    command: z.string().max(64),
    args: z.array(z.string().max(8192)).max(100),
    cwd: z.string().max(4096).refine(isAbsolute, 'must be an absolute path'),
    osUser: z.string().max(64).optional(),
  })
  .strict();

interface CommandRequest {
  readonly command: OperatorCommand;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly osUser: string | undefined;
}

/**
 * Opens the hub's operator channel: HTTP on a Unix domain socket in its data folder, mode 0600, so
 * only the OS user who owns the data (who could open the database itself) can use it. It runs the
 * CLI's operator commands (server/cli/commands.ts) in the running hub, one at a time, streaming
 * progress and the outcome as JSON lines; a command whose CLI disconnects is cancelled. It is a
 * server of its own, apart from the hub's HTTP port: nothing on that port reaches it. A socket no
 * process listens on (a killed hub) is replaced; anything else at its path is left alone. Returns
 * undefined, logging why, when the channel cannot open; the CLI then opens the database itself.
 */
export async function startOperatorChannel(deps: OperatorChannelDeps): Promise<OperatorChannel | undefined> {
  const path = operatorSocketPath(deps.dataDir);
  try {
    return await openOperatorChannel(deps, path);
  } catch (error) {
    // The hub already serves its API when the channel opens: a channel that cannot open must not stop it.
    const code = (error as { code?: unknown }).code;
    const why = error instanceof ChannelNotOpened ? error.message : `${typeof code === 'string' ? code : 'an error'} while opening it`;
    deps.logger.warn({ path }, `operator channel not opened: ${why}; the CLI opens the database itself when it can`);
    return undefined;
  }
}

/** Why the channel is not opened, found before anything at its path was touched. */
class ChannelNotOpened extends Error {}

async function openOperatorChannel(deps: OperatorChannelDeps, path: string): Promise<OperatorChannel> {
  const unusable = unusableSocketPath(path);
  if (unusable) throw new ChannelNotOpened(unusable);
  await mkdir(deps.dataDir, { recursive: true, mode: 0o700 });
  const foreign = await foreignSocketFile(path);
  if (foreign) throw new ChannelNotOpened(foreign);
  const found = await probeOperatorChannel(path);
  if (found.state === 'answering') throw new ChannelNotOpened(`hub ${found.hub} already serves it`);
  if (found.state === 'busy')
    throw new ChannelNotOpened(`a process holds its socket but did not answer (${found.code}): a busy hub's socket is not taken over`);
  if (found.state === 'refused') throw new ChannelNotOpened(`its socket belongs to another user (${found.code})`);
  if (found.state === 'stale') await rm(path, { force: true });

  const commands = new CommandSlot();
  const server = createServer((req, res) => {
    handle(deps, commands, req, res).catch((error: unknown) => {
      // A client gone mid-request (aborted, ECONNRESET) ends its own request only, never the hub.
      deps.logger.warn({ code: (error as { code?: unknown }).code }, 'operator request ended early');
      req.destroy();
      res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await listenOwnerOnly(server, path);
  server.on('error', (error) => {
    deps.logger.error({ err: error }, 'operator channel error');
  });
  const bound = await lstat(path);
  deps.logger.info({ path }, 'operator channel open: npm run hub -- … runs its commands in this hub');
  return {
    path,
    close: async (graceMs = CLOSE_GRACE_MS) => {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        commands.cancel('the hub is stopping');
        server.closeAllConnections();
      }, graceMs);
      await closed;
      clearTimeout(timer);
      // A cancelled command ends at its next batch and records its audit entry: let it, before the database closes.
      await commands.idle(CANCELLED_END_MS);
      const now = await lstat(path).catch(() => undefined);
      if (now?.dev === bound.dev && now.ino === bound.ino) await rm(path, { force: true });
    },
  };
}

/**
 * Binds the socket under a name of its own and moves it to `path` once it is 0600: the socket is never
 * at `path` with wider permissions, and the server's own name for it is not `path`, so closing the
 * server (which unlinks the name it bound) never removes a socket another hub has put at `path`
 * since. The umask is process-wide, so it is set only around listen(), whose bind of a Unix socket
 * is synchronous: no other file is created while it applies.
 */
async function listenOwnerOnly(server: Server, path: string): Promise<void> {
  const bindPath = `${path}.${process.pid}`;
  await rm(bindPath, { force: true });
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const previous = process.umask(0o177);
  try {
    server.listen(bindPath);
  } finally {
    process.umask(previous);
  }
  await listening;
  await chmod(bindPath, 0o600);
  await rename(bindPath, path);
}

/** The one command that may run at a time, how to cancel it, and when it has ended. */
class CommandSlot {
  private running: { readonly name: string; readonly cancel: AbortController; readonly ended: () => void; readonly end: Promise<void> } | undefined;

  /** Takes the slot for `name`, or returns the name of the command that holds it. */
  take(name: string): AbortController | string {
    if (this.running) return this.running.name;
    const cancel = new AbortController();
    let ended: () => void = () => undefined;
    const end = new Promise<void>((resolve) => (ended = resolve));
    this.running = { name, cancel, ended, end };
    return cancel;
  }

  release(cancel: AbortController): void {
    if (this.running?.cancel !== cancel) return;
    this.running.ended();
    this.running = undefined;
  }

  cancel(why: string): void {
    this.running?.cancel.abort(new CommandCancelled(`${this.running.name} cancelled: ${why}`));
  }

  /** Resolves when no command runs, or after `ms` (a command stuck in a statement is not waited for longer). */
  async idle(ms: number): Promise<void> {
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running.end, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}

async function handle(deps: OperatorChannelDeps, commands: CommandSlot, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/ping') {
    sendJson(res, 200, { hub: deps.hubId });
    return;
  }
  if (req.method !== 'POST' || req.url !== '/commands') {
    sendJson(res, 404, { error: 'not found' });
    return;
  }
  const request = await readCommandRequest(req);
  if (typeof request === 'string') {
    sendJson(res, 400, { error: { message: request, usage: false, known: true } });
    return;
  }
  const cancel = commands.take(request.command.name);
  if (typeof cancel === 'string') {
    const message = `the hub is running another operator command (${cancel}): one runs at a time, try again when it ends`;
    sendJson(res, 409, { error: { message, usage: false, known: true } });
    return;
  }
  // The CLI gone (Ctrl-C, a dropped connection) before the answer ends: the command stops at its next progress report.
  res.once('close', () => {
    if (!res.writableFinished) cancel.abort(new CommandCancelled(`${request.command.name} cancelled: the CLI disconnected`));
  });
  try {
    await runCommand(deps, request, cancel.signal, res);
  } finally {
    commands.release(cancel);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The command the request names, validated; or why it is not one (naming the field, the rule and the value). */
async function readCommandRequest(req: IncomingMessage): Promise<CommandRequest | string> {
  const body = await readBody(req);
  if (body === undefined) return `the request body must be JSON of at most ${MAX_BODY_BYTES} bytes`;
  const parsed = commandRequest.safeParse(body);
  if (!parsed.success) return `the request is not a command: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`;
  const command = OPERATOR_COMMANDS.get(parsed.data.command);
  if (!command) return `command: "${parsed.data.command.slice(0, 64)}" is not an operator command`;
  return { command, args: parsed.data.args, cwd: parsed.data.cwd, osUser: parsed.data.osUser };
}

/** Runs the command, answering JSON lines: its progress, then its outcome or why it failed. */
async function runCommand(deps: OperatorChannelDeps, request: CommandRequest, signal: AbortSignal, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const send = (event: ChannelEvent) => {
    res.write(`${JSON.stringify(event)}\n`);
  };
  const progress: ProgressReport = (what, unit, done, total) => {
    signal.throwIfAborted();
    send({ progress: { what, unit, done, total } });
  };
  const logger = deps.logger.child({ command: request.command.name });
  try {
    const run = await request.command.prepare(request.args, request.cwd);
    const outcome = await run({ ...(await deps.operatorDeps()), ...(request.osUser === undefined ? {} : { osUser: request.osUser }) }, progress);
    logger.info({ exitCode: outcome.exitCode }, 'operator command run');
    send({ outcome });
  } catch (error) {
    const failure = operatorFailure(error);
    if (failure.known) logger.info({ exitCode: 1 }, 'operator command refused');
    else logger.error({ err: error }, 'operator command failed');
    send({ error: failure });
  }
  res.end();
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
