import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { clientFileProblems } from '../access/client-registration.js';
import { ConfigError, describeIssues } from '../config/config-error.js';
import { hubConfigSchema, type HubConfig } from './hub-config.js';

/**
 * JSON with comments (line and block) and trailing commas, as the README shows configuration: an operator
 * may keep notes in the file. A syntax error is named by line and column.
 */
function parseConfigText(text: string, path: string): unknown {
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset).split('\n');
    throw new ConfigError(
      `config file ${path} is not JSON: ${printParseErrorCode(first.error)} at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`,
    );
  }
  return raw;
}

/** Reads and validates the hub config file; source folders are resolved relative to it. */
export async function loadHubConfig(path: string): Promise<HubConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const raw = parseConfigText(text, path);
  const parsed = hubConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`config file ${path} is invalid:\n${describeIssues(parsed.error)}`);
  const base = dirname(resolve(path));
  const config = {
    ...parsed.data,
    agencies: parsed.data.agencies.map((agency) => ({
      ...agency,
      sources: agency.sources.map((source) => {
        if (source.type === 'file-drop') return { ...source, folder: resolve(base, source.folder) };
        return source.bearerTokenFile ? { ...source, bearerTokenFile: resolve(base, source.bearerTokenFile) } : source;
      }),
    })),
    clients: parsed.data.clients.map((client) => ({
      ...client,
      ...(client.publicKeyFile ? { publicKeyFile: resolve(base, client.publicKeyFile) } : {}),
      ...(client.secretFile ? { secretFile: resolve(base, client.secretFile) } : {}),
    })),
  };
  // Key and secret files are read now, so a missing file or unusable key stops the start naming its key.
  const fileProblems = (
    await Promise.all(
      config.clients.map(async (client, index) => (await clientFileProblems(client)).map((p) => `  - clients.${index}.${p.field}: ${p.message}`)),
    )
  ).flat();
  if (fileProblems.length > 0) throw new ConfigError(`config file ${path} is invalid:\n${fileProblems.join('\n')}`);
  return config;
}
