import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type ASTNode, type DocumentNode, type ValueNode } from 'graphql';
import { unstorableCharacter } from '../ingestion/text.js';
import type { HubContext } from '../schema/context.js';
import { badInput } from '../schema/errors.js';

/** A text found in a request and where: `$records[0].fields.CF_WSH`, `subjects.nameContains`. */
interface PlacedText {
  readonly text: string;
  readonly path: string;
  /** True when the text is an object key, not a value. */
  readonly isKey: boolean;
}

/** Keys in a path are cut to this length (a key that is itself refused is not shown at all), and paths to this. */
const MAX_KEY_SHOWN = 40;
const MAX_PATH_SHOWN = 200;
const keySegment = (key: string) => (/^[A-Za-z_][\w-]*$/.test(key) ? `.${key.slice(0, MAX_KEY_SHOWN)}` : `[${JSON.stringify(key.slice(0, MAX_KEY_SHOWN))}]`);

/**
 * Every string of the request's variables, object keys included, each key before what it holds.
 * Walked with a queue, not recursion: a deeply nested body must not overflow the stack.
 */
function* variableTexts(variables: Readonly<Record<string, unknown>>): Generator<PlacedText> {
  const queue: { value: unknown; path: string }[] = Object.entries(variables).map(([name, value]) => ({ value, path: `$${name}` }));
  // for…of over an array also visits the items pushed while it runs.
  for (const { value, path } of queue) {
    if (typeof value === 'string') yield { text: value, path, isKey: false };
    else if (Array.isArray(value)) value.forEach((item: unknown, index) => queue.push({ value: item, path: `${path}[${index}]` }));
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        yield { text: key, path, isKey: true };
        queue.push({ value: item, path: `${path}${keySegment(key)}` });
      }
    }
  }
}

/** The string literals in an argument's value, walked like the variables. */
function* literalTexts(value: ValueNode, path: string): Generator<PlacedText> {
  const queue = [{ node: value, path }];
  for (const { node, path: at } of queue) {
    if (node.kind === Kind.STRING) yield { text: node.value, path: at, isKey: false };
    else if (node.kind === Kind.LIST) node.values.forEach((item, index) => queue.push({ node: item, path: `${at}[${index}]` }));
    else if (node.kind === Kind.OBJECT) for (const field of node.fields) queue.push({ node: field.value, path: `${at}.${field.name.value}` });
  }
}

/** The field or directive an argument belongs to, from the visitor's ancestors. */
function ownerOf(ancestors: readonly (ASTNode | readonly ASTNode[])[]): string {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const node = ancestors[i];
    if (node && 'kind' in node && (node.kind === Kind.FIELD || node.kind === Kind.DIRECTIVE)) return node.kind === Kind.DIRECTIVE ? `@${node.name.value}` : node.name.value;
  }
  return '';
}

/** Every string literal of the document: argument values (`subjects.nameContains`) and variable defaults (`$after`). */
function documentTexts(document: DocumentNode): PlacedText[] {
  const found: PlacedText[] = [];
  visit(document, {
    Argument(node, _key, _parent, _path, ancestors) {
      found.push(...literalTexts(node.value, `${ownerOf(ancestors)}.${node.name.value}`));
      return false;
    },
    VariableDefinition(node) {
      if (node.defaultValue) found.push(...literalTexts(node.defaultValue, `$${node.variable.name.value}`));
    },
  });
  return found;
}

function refuseText({ text, path, isKey }: PlacedText): GraphQLError | undefined {
  const problem = unstorableCharacter(text);
  if (!problem) return undefined;
  const field = path.length > MAX_PATH_SHOWN ? `${path.slice(0, MAX_PATH_SHOWN)}…` : path;
  return badInput(`${isKey ? `a key of ${field}` : field} contains ${problem}: no text the hub takes may hold control characters (but tab, line feed and carriage return) or unpaired surrogates`, {
    field,
    rule: 'CONTROL_CHARACTER',
    http: { status: 400 },
  });
}

/**
 * Refuses, before anything runs, a request whose variables or inline arguments hold text no part of
 * the hub may take (NUL and other control characters, unpaired surrogates: BAD_USER_INPUT naming
 * where, never repeating the text), and subscription operations (this API has none). A refusal is
 * audited like any other answer: the audit plugin's willSendResponse still runs.
 */
export function inputGuardPlugin(): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('this API has no subscriptions: send a query or a mutation', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', rule: 'OPERATION_TYPE', http: { status: 400 } } });
          }
          for (const texts of [variableTexts(request.variables ?? {}), documentTexts(document)]) {
            for (const placed of texts) {
              const refusal = refuseText(placed);
              if (refusal) throw refusal;
            }
          }
        },
      };
    },
  };
}
