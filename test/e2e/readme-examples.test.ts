import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse as parseJsonc, printParseErrorCode, stripComments, type ParseError } from 'jsonc-parser';
import { requestToken } from '../../server/auth/request-token.js';
import { hubConfigSchema } from '../../server/hub-config.js';
import { hubEnv, hubWorkspace, spawnHub, stopHubProcess, type HubProcess } from '../support/hub-process.js';
import {
  answerProblems,
  fillPlaceholders,
  graphqlOperations,
  illustrativeReason,
  readmeBlocks,
  type Caller,
  type GraphqlAnswer,
  type ReadmeBlock,
} from '../support/readme-examples.js';

/**
 * Every example of README.md, run as a reader would on the demo hub started as `npm start` starts it
 * (the demo config and demo/drop, the wall clock, a fresh data folder): its GraphQL operations as the
 * client and purpose named beside them, its shell commands, its configuration snippets. A failure names
 * the README line of the example. Two things differ from a reader's terminal, both substitutions:
 * `npm run hub --` runs the CLI from source (`node --import tsx server/cli.ts`: no build needed), and
 * the hub listens on a free port instead of 4000.
 */

const workspace = hubWorkspace('hub-readme-');
let spawned: ReturnType<typeof spawnHub> | undefined;
let started: HubProcess | undefined;
let blocks: ReadmeBlock[];
const tokens = new Map<string, { token: string; until: number }>();

/** The demo clients' private keys, as README hands them out. */
const keyFile = (client: string) => `config/demo-clients/${client}.private.jwk.json`;

/** The demo hub this file started. */
function hub(): HubProcess {
  if (!started) throw new Error('the demo hub did not start');
  return started;
}

async function tokenFor(client: string): Promise<string> {
  const cached = tokens.get(client);
  if (cached && cached.until > Date.now()) return cached.token;
  const granted = await requestToken({ hubUrl: new URL(hub().url).origin, clientId: client, privateKeyFile: keyFile(client) });
  tokens.set(client, { token: granted.access_token, until: Date.now() + (granted.expires_in - 60) * 1000 });
  return granted.access_token;
}

async function send(caller: Caller, query: string): Promise<GraphqlAnswer> {
  const response = await fetch(hub().url, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(caller.client)}`, 'x-purpose': caller.purpose, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphqlAnswer;
  } catch {
    return { errors: [{ message: `HTTP ${response.status}, not JSON: ${text.slice(0, 200)}` }] };
  }
}

/**
 * The hub once it logs its ready line. The start-up load of the demo takes longer than spawnHub's own
 * minute when both test projects and other work share the two cores, so this waits longer.
 */
async function readyWithin(spawned: ReturnType<typeof spawnHub>, ms: number): Promise<HubProcess> {
  const deadline = Date.now() + ms;
  for (;;) {
    const url = spawned.lines.map((line) => /ready: GraphQL and IDE at (http:\/\/[^\s"]+)/.exec(line)?.[1]).find((found) => found !== undefined);
    if (url) return { child: spawned.child, url, lines: spawned.lines };
    if (spawned.child.exitCode !== null) throw new Error(`the hub exited with ${spawned.child.exitCode}:\n${spawned.lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`the hub was not ready within ${ms / 1000} s:\n${spawned.lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Resolves once the grading job has run after the start-up load (grades are what the credit examples read). */
async function firstGradingAfterLoad(running: HubProcess): Promise<void> {
  const ready = running.lines.findIndex((line) => line.includes('ready: GraphQL and IDE'));
  const deadline = Date.now() + 60_000;
  while (!running.lines.slice(ready).some((line) => line.includes('"msg":"subjects graded"'))) {
    if (Date.now() > deadline) throw new Error('the grading job did not run within 60 s of the hub being ready');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  blocks = readmeBlocks(await readFile('README.md', 'utf8'));
  spawned = spawnHub(hubEnv({ dataDir: join(workspace.folder, 'data'), config: 'config/demo.config.json', databaseUrl: workspace.databaseUrl }));
  started = await readyWithin(spawned, 150_000);
  await firstGradingAfterLoad(started);
}, 240_000);
afterAll(async () => {
  // Stopped even when it never became ready, so no hub outlives the file.
  if (spawned) await stopHubProcess(spawned);
});

const runnable = (language: string) => blocks.filter((block) => block.language === language && illustrativeReason(block) === undefined);

describe('README examples on the demo hub', () => {
  test('every GraphQL example answers without an error and with rows, as the client and purpose named beside it', async () => {
    const failures: string[] = [];
    let operations = 0;
    for (const block of runnable('graphql')) {
      const answers: GraphqlAnswer[] = [];
      for (const operation of graphqlOperations(block)) {
        operations += 1;
        if (!operation.caller) {
          failures.push(`README line ${operation.line}: no "# as <client>, X-Purpose: <PURPOSE>" line names who sends it`);
          continue;
        }
        let query: string;
        try {
          query = fillPlaceholders(operation.text, answers);
        } catch (error) {
          failures.push(`README line ${operation.line}: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        const answer = await send(operation.caller, query);
        answers.push(answer);
        const problems = answerProblems(answer);
        if (problems.length > 0) failures.push(`README line ${operation.line} (as ${operation.caller.client}): ${problems.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(operations).toBeGreaterThanOrEqual(30);
  }, 240_000);

  test('every shell example not marked illustrative exits 0, and a GraphQL answer it prints has no error', async () => {
    const port = new URL(hub().url).port;
    const env = {
      ...hubEnv({ dataDir: join(workspace.folder, 'data'), config: 'config/demo.config.json', databaseUrl: workspace.databaseUrl }),
      PORT: port,
    };
    const failures: string[] = [];
    const shellBlocks = runnable('sh');
    for (const block of shellBlocks) {
      const script = block.lines
        .join('\n')
        .replace(/npm run (?:-s )?hub --/g, `${process.execPath} --import tsx server/cli.ts`)
        .replace(/localhost:4000/g, `localhost:${port}`);
      const { code, stdout, stderr } = await runShell(script, env);
      if (code !== 0) failures.push(`README line ${block.line}: exit ${code}: ${stderr.trim().slice(0, 300)}`);
      else if (stdout.trim().startsWith('{')) {
        const problems = answerProblems(JSON.parse(stdout) as GraphqlAnswer);
        if (problems.length > 0) failures.push(`README line ${block.line}: ${problems.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(shellBlocks.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  test('every configuration snippet is JSON with comments, and a complete section or source is valid in the demo config', async () => {
    const demo = parseConfig(await readFile('config/demo.config.json', 'utf8'));
    const failures: string[] = [];
    const snippets = [...runnable('json'), ...runnable('jsonc')];
    for (const block of snippets) {
      const text = block.lines.join('\n').trim();
      let snippet: Record<string, unknown>;
      try {
        snippet = parseConfig(text.startsWith('"') ? `{${text}}` : text);
      } catch (error) {
        failures.push(`README line ${block.line}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      // A snippet with elisions (…) outside its comments shows a shape, not values to use: it only has to parse.
      if (stripComments(text).includes('…')) continue;
      const problems = configProblems(demo, snippet);
      if (problems) failures.push(`README line ${block.line}: ${problems}`);
    }
    expect(failures).toEqual([]);
    expect(snippets.length).toBeGreaterThanOrEqual(5);
  });
});

function parseConfig(text: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first) throw new Error(`not JSON with comments: ${printParseErrorCode(first.error)} at offset ${first.offset}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

/**
 * The snippet placed where it belongs in the demo config, validated as the hub validates the file:
 * a source (it has a `type`) as the first agency's first source, a `mapping` as that source's mapping,
 * anything else as the top-level sections it names.
 */
function configProblems(demo: Record<string, unknown>, snippet: Record<string, unknown>): string | undefined {
  const agencies = structuredClone(demo['agencies']) as { sources: Record<string, unknown>[] }[];
  const first = agencies[0];
  const source = first?.sources[0];
  if (!first || !source) throw new Error('the demo config has no source');
  let candidate: Record<string, unknown>;
  if ('type' in snippet) candidate = { ...demo, agencies: [{ ...first, sources: [snippet] }, ...agencies.slice(1)] };
  else if (Object.keys(snippet).join() === 'mapping')
    candidate = { ...demo, agencies: [{ ...first, sources: [{ ...source, ...snippet }] }, ...agencies.slice(1)] };
  else candidate = { ...demo, ...snippet };
  const parsed = hubConfigSchema.safeParse(candidate);
  return parsed.success ? undefined : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

function runShell(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { env, cwd: process.cwd() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
