/**
 * README's examples as data: its fenced blocks with their line numbers, the GraphQL operations of a
 * block with the client and purpose each runs as, and the placeholders that take a value from an
 * earlier answer. The conventions (README, "Examples in this README"):
 * - a GraphQL comment `# as <client>, X-Purpose: <PURPOSE>` names the caller of the operations after it;
 * - `<path>` in an operation stands for a value of an earlier answer of the same block: `path` is read
 *   in the newest answer that has it, in its `data` (`fileRepairRequest.id`, `subject.records.edges[0].node.id`)
 *   or, starting `extensions.`, in its extensions (`extensions.auditEntries[0]`);
 * - a block whose first line is `# illustrative: <why>` (`// illustrative: <why>` in JSON) is not run.
 */

/** A fenced block of the README: its language, the README line of its first content line, its lines. */
export interface ReadmeBlock {
  readonly language: string;
  readonly line: number;
  readonly lines: readonly string[];
}

/** Every fenced block, in order (fences of three backticks at the start of a line, as README writes them). */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  let open: { language: string; line: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((text, index) => {
    const fence = /^```\s*([\w-]*)\s*$/.exec(text);
    if (!fence) {
      open?.lines.push(text);
      return;
    }
    if (open) {
      blocks.push(open);
      open = undefined;
    } else open = { language: fence[1] ?? '', line: index + 2, lines: [] };
  });
  if (open) throw new Error(`README line ${open.line - 1}: a code fence is never closed`);
  return blocks;
}

/** The reason a block gives for not being run, or undefined when it is to be run. */
export function illustrativeReason(block: ReadmeBlock): string | undefined {
  return /^\s*(?:#|\/\/)\s*illustrative:\s*(.+)$/.exec(block.lines[0] ?? '')?.[1];
}

/** Who sends an example: a client of the demo and the purpose it states. */
export interface Caller {
  readonly client: string;
  readonly purpose: string;
}

/** One operation of a GraphQL block, with the README line it starts on and its caller. */
export interface ReadmeOperation {
  readonly line: number;
  readonly text: string;
  readonly caller: Caller | undefined;
}

const CALLER_LINE = /^#\s*as\s+([a-z0-9-]+)\b.*?X-Purpose:\s*([A-Z_]+)/;
const OPERATION_START = /^(query|mutation|\{)/;

/** The operations of a GraphQL block: each starts at a line beginning with `query`, `mutation` or `{`. */
export function graphqlOperations(block: ReadmeBlock): ReadmeOperation[] {
  const operations: { line: number; lines: string[]; caller: Caller | undefined }[] = [];
  let caller: Caller | undefined;
  block.lines.forEach((text, index) => {
    const as = CALLER_LINE.exec(text);
    if (as?.[1] && as[2]) caller = { client: as[1], purpose: as[2] };
    else if (OPERATION_START.test(text)) operations.push({ line: block.line + index, lines: [text], caller });
    else if (!text.startsWith('#')) operations.at(-1)?.lines.push(text);
  });
  return operations.map(({ line, lines, caller: by }) => ({ line, caller: by, text: lines.join('\n') }));
}

const PLACEHOLDER = /<((?:extensions\.)?[A-Za-z_]\w*(?:\.\w+|\[\d+\])*)>/g;

/** A GraphQL response as the hub sends it. */
export interface GraphqlAnswer {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  readonly extensions?: Record<string, unknown>;
}

function valueAt(root: unknown, path: string): unknown {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .reduce<unknown>((value, step) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined), root);
}

/** The operation with each `<path>` replaced by its value in the newest earlier answer that has it; throws naming a path none has. */
export function fillPlaceholders(text: string, earlier: readonly GraphqlAnswer[]): string {
  return text.replace(PLACEHOLDER, (_, path: string) => {
    for (const answer of [...earlier].reverse()) {
      const value = path.startsWith('extensions.') ? valueAt(answer.extensions, path.slice('extensions.'.length)) : valueAt(answer.data, path);
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    }
    throw new Error(`no earlier answer of the block holds <${path}>`);
  });
}

/**
 * What makes an answer no use to a reader: errors, a root field answering null or an empty list, or a
 * connection anywhere in it without an edge (every example promises rows).
 */
export function answerProblems(answer: GraphqlAnswer): string[] {
  if (answer.errors?.length) return answer.errors.map((error) => `${String(error.extensions?.['code'])}: ${error.message}`);
  const problems: string[] = [];
  for (const [field, value] of Object.entries(answer.data ?? {})) {
    if (value === null || (Array.isArray(value) && value.length === 0)) problems.push(`${field} answered ${JSON.stringify(value)}`);
    else problems.push(...emptyConnections(value, field));
  }
  if (!answer.data) problems.push('no data');
  return problems;
}

function emptyConnections(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => emptyConnections(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  const fields = Object.entries(value as Record<string, unknown>);
  const edges = (value as Record<string, unknown>)['edges'];
  const own = Array.isArray(edges) && edges.length === 0 ? [`${path} has no edges`] : [];
  return [...own, ...fields.flatMap(([field, inner]) => emptyConnections(inner, `${path}.${field}`))];
}
