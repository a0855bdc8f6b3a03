import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/*
 * Requests for fuzzing a GraphQL API from its schema: for each root field, a selection reaching every
 * field below it that takes arguments, and argument values of which all but one pass their own
 * checks (tame) while one is arbitrary (wild), written as variables or inline.
 */

/** An enum value: a bare name when written inline, a string in variables. */
class EnumName {
  constructor(readonly name: string) {}
}

/** An argument value as the fuzz test sends it: JSON, plus enum names. */
export type FuzzValue = null | boolean | number | string | EnumName | readonly FuzzValue[] | { readonly [key: string]: FuzzValue };

/** Values that reach past the first checks (a registered agency, a held subject), by argument or scalar name. */
export type PlausibleValues = Readonly<Record<string, readonly FuzzValue[]>>;

const NASTY_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u001b[2J',
  '\u007f',
  '%',
  '_%\\',
  "'; --",
  '\u2028',
  '🀄',
  'x'.repeat(3000),
  '-1',
  '1e400',
  'null',
];
/** Characters a database or a log line may choke on: NUL and other C0 controls, lone surrogates. */
const HAZARD_CHARACTERS = ['\u0000', '\u0001', '\u0008', '\u000b', '\u001f', '\u007f', '\ud800', '\udbff', '\udc00', '\udfff', '\ufffe'];
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** `text` with a hazardous character put somewhere in it. */
const spiked = (text: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(text, fc.constantFrom(...HAZARD_CHARACTERS), fc.nat()).map(([base, hazard, at]) => {
    const position = base.length === 0 ? 0 : at % (base.length + 1);
    return `${base.slice(0, position)}${hazard}${base.slice(position)}`;
  });

/** Any text: control characters, NUL, lone surrogates, astral characters, long strings. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  spiked(fc.constantFrom('SH-SAMR', '示例', 'test-bank', 'LOAN_REVIEW', '2024-01-01', 'abc')),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'binary-ascii', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: codeUnit, maxLength: 24 }),
);

const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, 2 ** 63, 2 ** 64, 1e308, 0.5, -0),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const dateText = fc.oneof(
  fc.constantFrom('2024-03-15', '2024-02-29', '2023-02-29', '2024-02-30', '0000-00-00', '1899-12-31', '9999-12-31', '9999-99-99', '10000-01-01', '2024-13-01'),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)),
  anyText,
);
const dateTimeText = fc.oneof(
  fc.constantFrom(
    '2024-06-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '10000-01-01T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-06-01',
    '123',
  ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  anyText,
);
const transactionIdText = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
  fc.constantFrom('0', '9223372036854775807', '9223372036854775808', '18446744073709551616', '99999999999999999999', '-1'),
  anyText,
);

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Cursors: random bytes, and JSON of every list's tuple shape holding impossible values. */
const anyCursor: fc.Arbitrary<string> = fc.oneof(
  fc
    .oneof(
      fc.tuple(dateText, anyNumber),
      fc.tuple(anyText, anyText),
      fc.tuple(anyNumber),
      fc.tuple(transactionIdText, anyNumber),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((tuple) => base64url(JSON.stringify(tuple))),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
  anyText,
);

/** A value of the wrong type for wherever it is sent. */
const anyJson: fc.Arbitrary<FuzzValue> = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<FuzzValue>;

const jsonObject: fc.Arbitrary<FuzzValue> = fc.dictionary(
  fc.oneof(anyText, fc.constantFrom('CF_WSH', 'CF_XDR_MC', 'CF_JDRQ', 'XK_XDR_SHXYM', 'MD_LRRQ')),
  fc.oneof(anyText, anyJson),
  { maxKeys: 4 },
);

type JsonRecord = { readonly [key: string]: FuzzValue };
const isRecord = (value: FuzzValue): value is JsonRecord =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof EnumName);

/** A plausible object with one of its values, or a new key, replaced by arbitrary text. */
const spikedRecord = (records: readonly JsonRecord[]): fc.Arbitrary<FuzzValue> =>
  fc.tuple(fc.constantFrom(...records), fc.nat(), anyText, fc.boolean()).map(([record, at, text, asKey]) => {
    const keys = Object.keys(record);
    const key = keys[at % Math.max(keys.length, 1)] ?? 'field';
    return asKey ? { ...record, [text]: record[key] ?? null } : { ...record, [key]: text };
  });

/** Arbitrary values for a scalar of this name, its own kind of trouble first (impossible dates, huge numbers). */
function wildScalar(name: string): fc.Arbitrary<FuzzValue> {
  switch (name) {
    case 'Int':
    case 'Float':
      return anyNumber;
    case 'Boolean':
      return fc.oneof(fc.boolean(), anyText);
    case 'ID':
      return fc.oneof(anyText, anyNumber, anyNumber.map(String), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String));
    case 'Date':
      return dateText;
    case 'DateTime':
      return fc.oneof(dateTimeText, anyNumber);
    case 'JSONObject':
      return jsonObject;
    default:
      return anyText;
  }
}

/** Values of each scalar that pass its own checks, for scalars without plausible values. */
const TAME_SCALARS: Readonly<Record<string, readonly FuzzValue[]>> = {
  Int: [1, 2, 5],
  Float: [1.5],
  Boolean: [true, false],
  ID: ['1', '2'],
  String: ['abc', '示例'],
  Date: ['2024-01-01'],
  DateTime: ['2024-01-01T00:00:00Z'],
  JSONObject: [{}],
};

/**
 * How to fill one input type: `tame` values pass its own checks (a registered agency, a held
 * subject, the start of a list), so that the handling of the one argument given a `wild` value is reached.
 */
interface ValueArbitraries {
  readonly tame: fc.Arbitrary<FuzzValue>;
  readonly wild: fc.Arbitrary<FuzzValue>;
}

function scalarArbitraries(typeName: string, name: string, plausible: PlausibleValues): ValueArbitraries {
  // A tame `after` is the start of the list: a cursor of another list would stop the request early.
  const known = name === 'after' ? [null] : (plausible[name] ?? plausible[typeName] ?? TAME_SCALARS[typeName] ?? ['abc']);
  const knownText = known.filter((value): value is string => typeof value === 'string');
  const knownRecords = known.filter(isRecord);
  const wild = fc.oneof(
    name === 'after' ? anyCursor : wildScalar(typeName),
    ...(knownText.length > 0 ? [spiked(fc.constantFrom(...knownText))] : []),
    ...(knownRecords.length > 0 ? [spikedRecord(knownRecords)] : []),
  );
  return { tame: fc.constantFrom(...known), wild };
}

/** Tame and wild values of a GraphQL input type; a wild list or input object has one wild part, or is of another type. */
function inputArbitraries(type: GraphQLInputType, name: string, plausible: PlausibleValues): ValueArbitraries {
  if (isNonNullType(type)) {
    const inner = inputArbitraries(type.ofType, name, plausible);
    return { tame: inner.tame, wild: fc.oneof({ weight: 8, arbitrary: inner.wild }, { weight: 1, arbitrary: fc.constant(null) }) };
  }
  let typed: ValueArbitraries;
  if (isListType(type)) {
    const item = inputArbitraries(type.ofType, name, plausible);
    const tame = fc.array(item.tame, { maxLength: 2 });
    typed = { tame, wild: fc.tuple(tame, item.wild).map(([items, wild]) => [...items, wild]) };
  } else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).map((field) => ({
      name: field.name,
      required: isNonNullType(field.type),
      ...inputArbitraries(field.type, field.name, plausible),
    }));
    const requiredKeys = fields.filter((field) => field.required).map((field) => field.name);
    const tame = fc.record(Object.fromEntries(fields.map((field) => [field.name, field.tame])), { requiredKeys });
    const wildField = fc.constantFrom(...fields).chain((field) => fc.tuple(fc.constant(field.name), field.wild));
    typed = { tame, wild: fc.tuple(tame, wildField).map(([values, [key, wild]]) => ({ ...values, [key]: wild })) };
  } else if (isEnumType(type)) {
    typed = { tame: fc.constantFrom(...type.getValues().map((value) => new EnumName(value.name))), wild: anyText };
  } else {
    typed = scalarArbitraries(type.name, name, plausible);
  }
  return {
    tame: typed.tame,
    wild: fc.oneof({ weight: 10, arbitrary: typed.wild }, { weight: 1, arbitrary: anyJson }, { weight: 1, arbitrary: fc.constant(null) }),
  };
}

/** A field to select, with its arguments, and the object fields below it (all near the root, then those on the way to arguments, such as Subject.records). */
export interface FieldPlan {
  readonly name: string;
  readonly args: readonly GraphQLArgument[];
  /** False for a field of scalar or enum type, which has no selection. */
  readonly isObject: boolean;
  /** Leaf fields without arguments, selected too so their resolvers (totalCount, cursors) run. */
  readonly leaves: readonly string[];
  readonly children: readonly FieldPlan[];
}

function leavesOf(type: GraphQLOutputType): string[] {
  const named = getNamedType(type);
  if (!isObjectType(named)) return [];
  return Object.values(named.getFields())
    .filter((field) => field.args.length === 0 && !isObjectType(getNamedType(field.type)))
    .map((field) => field.name);
}

const PLAN_DEPTH = 5;
/** Object fields this far below a root field are selected whole; deeper ones only on the way to arguments. */
const WHOLE_DEPTH = 3;

function fieldPlan(field: { name: string; type: GraphQLOutputType; args: readonly GraphQLArgument[] }, children: readonly FieldPlan[]): FieldPlan {
  return { name: field.name, args: field.args, isObject: isObjectType(getNamedType(field.type)), leaves: leavesOf(field.type), children };
}

function childPlans(type: GraphQLOutputType, depth: number, seen: ReadonlySet<string>): FieldPlan[] {
  const named = getNamedType(type);
  if (!isObjectType(named) || depth === 0) return [];
  return Object.values(named.getFields()).flatMap((field) => {
    const coordinate = `${named.name}.${field.name}`;
    if (seen.has(coordinate)) return [];
    const children = childPlans(field.type, depth - 1, new Set([...seen, coordinate]));
    const wanted = field.args.length > 0 || children.length > 0 || (isObjectType(getNamedType(field.type)) && depth > PLAN_DEPTH - WHOLE_DEPTH);
    return wanted ? [fieldPlan(field, children)] : [];
  });
}

/** Every root field of Query and Mutation with its arguments and the argument-taking fields below it. */
export function rootFieldPlans(schema: GraphQLSchema): { operation: 'query' | 'mutation'; plan: FieldPlan }[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const;
  return roots.flatMap(([operation, type]) =>
    Object.values(type?.getFields() ?? {}).map((field) => ({
      operation,
      plan: fieldPlan(field, childPlans(field.type, PLAN_DEPTH, new Set([`${type?.name}.${field.name}`]))),
    })),
  );
}

/** The argument values of one plan: per argument (absent: omitted), and the children's. */
export interface PlanValues {
  readonly args: Readonly<Record<string, FuzzValue | undefined>>;
  readonly children: readonly PlanValues[];
}

function planArbitrary(plan: FieldPlan, plausible: PlausibleValues, kind: 'tame' | 'wild'): fc.Arbitrary<PlanValues> {
  const args = Object.fromEntries(
    plan.args.map((arg) => {
      const value = inputArbitraries(arg.type, arg.name, plausible)[kind];
      return [arg.name, kind === 'wild' || isNonNullType(arg.type) ? value : fc.option(value, { nil: undefined, freq: 3 })];
    }),
  );
  return fc.record({ args: fc.record(args), children: fc.tuple(...plan.children.map((child) => planArbitrary(child, plausible, kind))) });
}

const argumentCount = (plan: FieldPlan): number => plan.args.length + plan.children.reduce((sum, child) => sum + argumentCount(child), 0);

/** `tame` with its argument number `target` (in document order) taken from `wild`. */
function withWildArgument(plan: FieldPlan, tame: PlanValues, wild: PlanValues, target: number): PlanValues {
  let index = 0;
  const mix = (field: FieldPlan, tameValues: PlanValues, wildValues: PlanValues): PlanValues => ({
    args: Object.fromEntries(field.args.map((arg) => [arg.name, index++ === target ? wildValues.args[arg.name] : tameValues.args[arg.name]])),
    children: field.children.map((child, i) =>
      mix(child, tameValues.children[i] ?? { args: {}, children: [] }, wildValues.children[i] ?? { args: {}, children: [] }),
    ),
  });
  return mix(plan, tame, wild);
}

/** Argument values for a plan: every argument tame but one, which is wild. */
export function planValues(plan: FieldPlan, plausible: PlausibleValues): fc.Arbitrary<PlanValues> {
  const count = argumentCount(plan);
  return fc
    .tuple(planArbitrary(plan, plausible, 'tame'), planArbitrary(plan, plausible, 'wild'), fc.nat({ max: Math.max(count - 1, 0) }))
    .map(([tame, wild, target]) => withWildArgument(plan, tame, wild, target));
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** A value written inline; object keys that are not GraphQL names cannot be, and are left out. */
function toLiteral(value: FuzzValue): string {
  if (value === null) return 'null';
  if (value instanceof EnumName) return value.name;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(toLiteral).join(', ')}]`;
  const fields = Object.entries(value as Record<string, FuzzValue>).filter(([key]) => GRAPHQL_NAME.test(key));
  return `{${fields.map(([key, field]) => `${key}: ${toLiteral(field)}`).join(', ')}}`;
}

function toVariable(value: FuzzValue): unknown {
  if (value instanceof EnumName) return value.name;
  if (Array.isArray(value)) return value.map(toVariable);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value as Record<string, FuzzValue>).map(([key, field]) => [key, toVariable(field)]));
  return value;
}

/** A GraphQL request: the document and its variables. */
export interface FuzzRequest {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** Writes the operation selecting `plan` with `values`, inline (`literals`) or as variables. */
export function renderRequest(operation: 'query' | 'mutation', plan: FieldPlan, values: PlanValues, mode: 'literals' | 'variables'): FuzzRequest {
  const declarations: string[] = [];
  const variables: Record<string, unknown> = {};
  const renderField = (field: FieldPlan, fieldValues: PlanValues): string => {
    const args = field.args.flatMap((arg) => {
      const value = fieldValues.args[arg.name];
      if (value === undefined) return [];
      if (mode === 'literals') return [`${arg.name}: ${toLiteral(value)}`];
      const name = `v${declarations.length}`;
      declarations.push(`$${name}: ${String(arg.type)}`);
      variables[name] = toVariable(value);
      return [`${arg.name}: $${name}`];
    });
    const inner = [
      '__typename',
      ...field.leaves,
      ...field.children.map((child, i) => renderField(child, fieldValues.children[i] ?? { args: {}, children: [] })),
    ];
    const selection = field.isObject ? ` { ${inner.join(' ')} }` : '';
    return `${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${selection}`;
  };
  const body = renderField(plan, values);
  return { query: `${operation} Fuzz${declarations.length > 0 ? `(${declarations.join(', ')})` : ''} { ${body} }`, variables };
}
