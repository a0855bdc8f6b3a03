import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { OPERATOR_COMMANDS } from './cli/commands.js';
import type { OperatorCommand, OperatorDeps, ProgressReport } from './cli/operator-command.js';
import { operatorFailure, type ChannelEvent } from './operator-protocol.js';
import { operatorSocketPath, probeOperatorChannel, unusableSocketPath } from './operator-socket.js';

/** The operator channel of a running hub; close() stops it and removes its socket. */
export interface OperatorChannel {
  readonly path: string;
  close(): Promise<void>;
}

export interface OperatorChannelDeps {
  /** The hub's data folder (HUB_DATA_DIR): the socket is `hub.sock` in it. */
  readonly dataDir: string;
  /** This hub's id, answered to a ping so the CLI knows who it talks to. */
  readonly hubId: string;
  /** What a command runs with, made for each command (the config file as it is then, the hub's database and keys). */
  operatorDeps(): Promise<OperatorDeps>;
  readonly logger: Logger;
}

const MAX_BODY_BYTES = 64 * 1024;

/** A command as the CLI sends it: its name, its arguments, and the operator's working folder (relative file paths are theirs). */
const commandRequest = z
  .object({
    command: z.string().max(64),
    args: z.array(z.string().max(8192)).max(100),
    cwd: z.string().max(4096).refine(isAbsolute, 'must be an absolute path'),
  })
  .strict();

/**
 * Opens the hub's operator channel: HTTP on a Unix domain socket in its data folder, mode 0600, so
 * only the OS user who owns the data (who could open the database itself) can use it. It runs the
 * CLI's operator commands (server/cli/commands.ts) in the running hub, streaming progress and the
 * outcome as JSON lines. It is a server of its own, apart from the hub's HTTP port: nothing on that
 * port reaches it. A socket file no process answers on (a killed hub) is replaced. Returns undefined,
 * logging why, when the channel cannot open (another hub process on the same server database already
 * serves it, or the path is too long); the CLI then opens the database itself.
 */
export async function startOperatorChannel(deps: OperatorChannelDeps): Promise<OperatorChannel | undefined> {
  const path = operatorSocketPath(deps.dataDir);
  const unusable = unusableSocketPath(path);
  if (unusable) {
    deps.logger.warn(`operator channel not opened: ${unusable}; the CLI opens the database itself when it can`);
    return undefined;
  }
  await mkdir(deps.dataDir, { recursive: true, mode: 0o700 });
  const found = await probeOperatorChannel(path);
  if (found.state === 'answering' || found.state === 'refused') {
    deps.logger.warn(
      { path },
      `operator channel not opened: ${found.state === 'answering' ? `hub ${found.hub} already serves it` : 'its socket belongs to another user'}`,
    );
    return undefined;
  }
  if (found.state === 'stale') await rm(path, { force: true });

  const server = createServer((req, res) => void handle(deps, req, res));
  await listenOwnerOnly(server, path);
  deps.logger.info({ path }, 'operator channel open: npm run hub -- … runs its commands in this hub');
  return {
    path,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await rm(path, { force: true });
    },
  };
}

/** Binds the socket with no permission for group or others from its first moment (umask), then sets 0600 explicitly. */
async function listenOwnerOnly(server: ReturnType<typeof createServer>, path: string): Promise<void> {
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  await chmod(path, 0o600);
}

async function handle(deps: OperatorChannelDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  await runCommand(deps, request, res);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The command the request names, validated; or why it is not one (naming the field, the rule and the value). */
async function readCommandRequest(req: IncomingMessage): Promise<{ command: OperatorCommand; args: readonly string[]; cwd: string } | string> {
  const body = await readBody(req);
  if (body === undefined) return `the request body must be JSON of at most ${MAX_BODY_BYTES} bytes`;
  const parsed = commandRequest.safeParse(body);
  if (!parsed.success) return `the request is not a command: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`;
  const command = OPERATOR_COMMANDS.get(parsed.data.command);
  if (!command) return `command: "${parsed.data.command.slice(0, 64)}" is not an operator command`;
  return { command, args: parsed.data.args, cwd: parsed.data.cwd };
}

/** Runs the command, answering JSON lines: its progress, then its outcome or why it failed. */
async function runCommand(
  deps: OperatorChannelDeps,
  request: { command: OperatorCommand; args: readonly string[]; cwd: string },
  res: ServerResponse,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const send = (event: ChannelEvent) => {
    res.write(`${JSON.stringify(event)}\n`);
  };
  const progress: ProgressReport = (what, unit, done, total) => {
    send({ progress: { what, unit, done, total } });
  };
  const logger = deps.logger.child({ command: request.command.name });
  try {
    const run = await request.command.prepare(request.args, request.cwd);
    const outcome = await run(await deps.operatorDeps(), progress);
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
