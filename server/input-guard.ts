import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import {
  getNullableType,
  GraphQLError,
  isInputObjectType,
  isInputType,
  isListType,
  TypeInfo,
  typeFromAST,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  OperationTypeNode,
} from 'graphql';
import { unstorableCharacter } from '../ingestion/text.js';
import type { HubContext } from '../schema/context.js';
import { badInput } from '../schema/errors.js';

/** A text found in a request and where: `$records[0].sourceRecordId`, `subjects.nameContains`. */
interface PlacedText {
  readonly text: string;
  readonly path: string;
  /** True when the text is an object key, not a value. */
  readonly isKey: boolean;
}

/**
 * Scalars whose contents a resolver validates item by item: a pushed record's columns (JSONObject),
 * which submitRecords checks record by record, quarantining a bad one with its reasons instead of
 * refusing the whole batch.
 */
const VALIDATED_BY_RESOLVER = new Set(['JSONObject']);

/** Keys in a path are cut to this length (a key that is itself refused is not shown at all), and paths to this. */
const MAX_KEY_SHOWN = 40;
const MAX_PATH_SHOWN = 200;
const keySegment = (key: string) => (/^[A-Za-z_][\w-]*$/.test(key) ? `.${key.slice(0, MAX_KEY_SHOWN)}` : `[${JSON.stringify(key.slice(0, MAX_KEY_SHOWN))}]`);

/**
 * Every string in a value sent for an input type, object keys included, each key before what it
 * holds. A part of no known type (an undefined input field, a value of the wrong type) is walked
 * whole. Walked with a queue, not recursion, so that no nesting can overflow the stack.
 */
function* textsOf(value: unknown, type: GraphQLInputType | undefined, path: string): Generator<PlacedText> {
  const queue = [{ value, type, path }];
  // for…of over an array also visits the items pushed while it runs.
  for (const { value: item, type: itemType, path: at } of queue) {
    const nullable = itemType && getNullableType(itemType);
    if (nullable && !isListType(nullable) && !isInputObjectType(nullable) && VALIDATED_BY_RESOLVER.has(nullable.name)) continue;
    if (typeof item === 'string') yield { text: item, path: at, isKey: false };
    else if (Array.isArray(item)) {
      const itemsType = isListType(nullable) ? nullable.ofType : undefined;
      item.forEach((element: unknown, index) => queue.push({ value: element, type: itemsType, path: `${at}[${index}]` }));
    } else if (item !== null && typeof item === 'object') {
      const fields = isInputObjectType(nullable) ? nullable.getFields() : {};
      for (const [key, field] of Object.entries(item)) {
        yield { text: key, path: at, isKey: true };
        queue.push({ value: field, type: fields[key]?.type, path: `${at}${keySegment(key)}` });
      }
    }
  }
}

/** The request's variables that the operation declares, each walked as its declared type. */
function* variableTexts(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): Generator<PlacedText> {
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const declared = typeFromAST(schema, definition.type);
    const type = isInputType(declared) ? declared : undefined;
    yield* textsOf(variables[name], type, `$${name}`);
    if (definition.defaultValue) yield* textsOf(valueFromASTUntyped(definition.defaultValue), type, `$${name}`);
  }
}

/** Every argument written inline in the document (`subjects.nameContains`, `@include.if`), walked as its type. */
function literalTexts(schema: GraphQLSchema, document: DocumentNode): PlacedText[] {
  const found: PlacedText[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const directive = typeInfo.getDirective();
        const owner = directive ? `@${directive.name}` : (typeInfo.getFieldDef()?.name ?? '');
        found.push(...textsOf(valueFromASTUntyped(node.value), typeInfo.getArgument()?.type, `${owner}.${node.name.value}`));
        return false;
      },
    }),
  );
  return found;
}

function refuseText({ text, path, isKey }: PlacedText): GraphQLError | undefined {
  const problem = unstorableCharacter(text);
  if (!problem) return undefined;
  const field = path.length > MAX_PATH_SHOWN ? `${path.slice(0, MAX_PATH_SHOWN)}…` : path;
  return badInput(
    `${isKey ? `a key of ${field}` : field} contains ${problem}: no text the hub takes may hold control characters (but tab, line feed and carriage return) or unpaired surrogates`,
    {
      field,
      rule: 'CONTROL_CHARACTER',
      http: { status: 400 },
    },
  );
}

/** Throws the refusal of an operation that is a subscription or holds text the hub may not take. */
function refuseUnsafeOperation({ schema, operation, document, request }: GraphQLRequestContextDidResolveOperation<HubContext>): void {
  // Without an operation nothing runs: Apollo answers OPERATION_RESOLUTION_FAILURE.
  if (!operation) return;
  if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
    throw new GraphQLError('this API has no subscriptions: send a query or a mutation', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', rule: 'OPERATION_TYPE', http: { status: 400 } },
    });
  }
  for (const texts of [variableTexts(schema, operation, request.variables ?? {}), literalTexts(schema, document)]) {
    for (const placed of texts) {
      const refusal = refuseText(placed);
      if (refusal) throw refusal;
    }
  }
}

/**
 * Refuses, before anything runs, a request whose variables or inline arguments hold text no part of
 * the hub may take (NUL and other control characters, unpaired surrogates: BAD_USER_INPUT naming
 * where, never repeating the text), and subscription operations (this API has none). A refusal is
 * audited like any other answer: the audit plugin's willSendResponse still runs.
 */
export function inputGuardPlugin(): ApolloServerPlugin<HubContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation(context) {
          // A rejection, not a throw: Apollo calls every plugin's hook before it looks at the outcome.
          return new Promise<void>((resolve) => {
            refuseUnsafeOperation(context);
            resolve();
          });
        },
      });
    },
  };
}
