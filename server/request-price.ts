import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNullableType,
  getVariableValues,
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimatorArgs } from 'graphql-query-complexity';
import type { HubConfig } from './hub-config.js';
import type { HubContext } from '../schema/context.js';
import { MAX_RUN_WARNINGS } from '../jobs/run-connector.js';
import { MAX_PAGE_SIZE } from '../schema/pagination.js';
import { MAX_LINKED_RECORDS } from '../schema/resolvers/credit.js';
import { MAX_MEASURES } from '../credit/measures-schema.js';
import { MAX_MODEL_INDICATORS } from '../config/credit-model-schema.js';
import { RECORD_KINDS } from '../ingestion/record-kinds.js';
import { MAX_HISTORY_ENTRIES } from '../store/record-queries.js';
import { MAX_INSPECTORS_PER_AGENCY } from '../inspections/inspection-schema.js';
import { MAX_RESULTS_PER_TARGET } from '../schema/resolvers/inspections.js';
import { MAX_RECORD_COUNT_ROWS } from '../schema/resolvers/statistics.js';
import type { RateVerdict } from './auth/client-rates.js';

/**
 * What the parts of a request cost, in units of about one row or field the hub reads. A connection
 * costs its page size (`first`, from the query or its variables) times what one edge selects, plus
 * its totalCount and pageInfo once; another list its bound times what one item selects.
 */
const PRICES = {
  field: 1,
  /** `totalCount`: a count query over every row the filter matches. */
  count: 200,
  /** A mutation root field: a write with its own audit entry in its own transaction. */
  mutation: 100,
  /** Each record a `submitRecords` call pushes, with its result. */
  submittedRecord: 10,
  /** `__schema` and `__type(name:)`, besides what they select (priced with the schema's real sizes: see introspectionBounds). */
  introspection: 500,
  /** The length assumed of a list that has no `first` and no known bound. */
  unboundedList: 10,
  /** `evaluateModel`: two full grading passes over every enterprise, so always over pricePerRequest's default (the heavy lane). */
  modelEvaluation: 10_000,
} as const;

/**
 * Mutations that do heavy work whatever they select, priced over the default pricePerRequest (2000) so
 * they take the heavy lane, one at a time per client: a draw's commitment freezes a whole population,
 * its execution ranks it.
 */
const HEAVY_MUTATIONS: Readonly<Record<string, number>> = {
  commitInspectionDraw: 5000,
  executeInspectionDraw: 5000,
};

/** Lists without `first` whose length the hub bounds (or knows) otherwise. */
const LIST_BOUNDS: Readonly<Record<string, number>> = {
  'CreditReport.entries': 200,
  'Record.standardFields': 45,
  'Record.history': MAX_HISTORY_ENTRIES,
  'Query.agencies': 50,
  'Query.clients': 200,
  'Query.authorizations': 100,
  'Query.recordCounts': MAX_RECORD_COUNT_ROWS,
  // The warnings a run keeps, and one saying how many more.
  'ConnectorRun.warnings': MAX_RUN_WARNINGS + 1,
  // One result per record pushed, already priced with the record (PRICES.submittedRecord).
  'SubmissionResult.results': 1,
  // 双随机 draws: four classes, one agency's inspector pool (the config bounds it), a target's latest results.
  'InspectionDraw.classes': 4,
  'InspectionDraw.inspectorPool': MAX_INSPECTORS_PER_AGENCY,
  'DrawTarget.results': MAX_RESULTS_PER_TARGET,
  // A case's steps: filed, extended once, decided.
  'RepairRequest.steps': 2,
  'Objection.steps': 3,
  // Credit: the catalogue holds at most MAX_MEASURES; a measure has at most one rule per record kind and one for the class.
  'Query.measuresFor': MAX_MEASURES,
  'Supervision.measures': MAX_MEASURES,
  'AppliedMeasure.rules': RECORD_KINDS.length + 1,
  'MeasureRule.records': MAX_LINKED_RECORDS,
  'GradeContribution.records': MAX_LINKED_RECORDS,
  'GradeReason.records': MAX_LINKED_RECORDS,
  // One contribution per indicator of the model (the default has 12); at most four reasons.
  'Evaluation.contributions': MAX_MODEL_INDICATORS,
  'Evaluation.reasons': 4,
  'ReportGrade.reasons': 4,
  'GradeDistribution.classes': 4,
  'ModelEvaluation.active': 4,
  'ModelEvaluation.candidate': 4,
  'ModelEvaluation.transitions': 20,
};

/** The most nodes the pricing itself visits: a document whose fragments multiply past it is refused unpriced. */
const MAX_PRICED_NODES = 20_000;

interface PriceTally {
  introspection: number;
  readonly introspectionBounds: Readonly<Record<string, number>>;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** What one item of each `edges` selection costs, recorded as it is priced (children before parents). */
  readonly edges: WeakMap<FieldNode, number>;
}

/** The `edges` fields a connection's selection holds, through inline fragments and fragment spreads. */
function edgesOf(selectionSet: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  if (!selectionSet) return [];
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === 'edges' ? [selection] : [];
    if (selection.kind === Kind.INLINE_FRAGMENT) return edgesOf(selection.selectionSet, fragments, seen);
    const fragment = fragments.get(selection.name.value);
    if (!fragment || seen.has(selection.name.value)) return [];
    return edgesOf(fragment.selectionSet, fragments, new Set([...seen, selection.name.value]));
  });
}

function estimate({ type, field, node, args, childComplexity, context }: ComplexityEstimatorArgs): number {
  const tally = context as PriceTally;
  if (field.name === '__schema' || field.name === '__type') {
    // Reading the schema has its own budget: what it returns is priced there, not in the data price.
    tally.introspection += PRICES.introspection + childComplexity;
    return 0;
  }
  if (field.name === 'totalCount') return PRICES.count;
  if (type.name === 'Query' && field.name === 'evaluateModel') return PRICES.modelEvaluation + childComplexity;
  const records: unknown = args['records'];
  const own =
    type.name === 'Mutation'
      ? (HEAVY_MUTATIONS[field.name] ?? PRICES.mutation) + PRICES.submittedRecord * (Array.isArray(records) ? records.length : 0)
      : PRICES.field;
  const pageArgument = field.args.find((arg) => arg.name === 'first');
  if (pageArgument) {
    // `first: null` is answered with the list's default page, so it is priced as that page.
    const first = typeof args['first'] === 'number' ? args['first'] : typeof pageArgument.defaultValue === 'number' ? pageArgument.defaultValue : MAX_PAGE_SIZE;
    // A page of a connection: its edges `first` times, its totalCount and pageInfo once.
    const perItem = edgesOf(node.selectionSet, tally.fragments).reduce((sum, edges) => sum + (tally.edges.get(edges) ?? 0), 0);
    return own + childComplexity + (Math.max(1, first) - 1) * perItem;
  }
  // A connection's edges are multiplied by the connection's `first` (above).
  const isEdges = field.name === 'edges' && type.name.endsWith('Connection');
  if (isEdges) {
    tally.edges.set(node, own + childComplexity);
    return own + childComplexity;
  }
  if (isListType(getNullableType(field.type)) && childComplexity > 0) {
    const key = `${type.name}.${field.name}`;
    return own + (LIST_BOUNDS[key] ?? tally.introspectionBounds[key] ?? PRICES.unboundedList) * childComplexity;
  }
  return own + childComplexity;
}

interface RequestPrice {
  /** The price of the data it reads; Infinity when the document is too large to price. */
  readonly price: number;
  /** The price of its schema reads (`__schema`, `__type`); 0 when it reads none. */
  readonly introspection: number;
}

const boundsBySchema = new WeakMap<GraphQLSchema, Readonly<Record<string, number>>>();

/**
 * How long the introspection lists of this schema are (types, and fields, arguments, input fields and
 * enum values per type on average, rounded up), so that reading the schema is priced by what it
 * returns: a query that reads the types many times over costs that many times more.
 */
function introspectionBounds(schema: GraphQLSchema): Readonly<Record<string, number>> {
  let bounds = boundsBySchema.get(schema);
  if (bounds) return bounds;
  const types = Object.values(schema.getTypeMap());
  const average = (counts: number[]) => Math.max(1, Math.ceil(counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length)));
  const fieldLists = types.flatMap((t) => (isObjectType(t) || isInterfaceType(t) ? [Object.values(t.getFields())] : []));
  bounds = {
    '__Schema.types': types.length,
    '__Schema.directives': schema.getDirectives().length,
    '__Type.fields': average(fieldLists.map((fields) => fields.length)),
    '__Field.args': average(fieldLists.flat().map((f) => f.args.length)),
    '__Type.inputFields': average(types.flatMap((t) => (isInputObjectType(t) ? [Object.keys(t.getFields()).length] : []))),
    '__Type.enumValues': average(types.flatMap((t) => (isEnumType(t) ? [t.getValues().length] : []))),
    '__Type.interfaces': 2,
    '__Type.possibleTypes': 2,
    '__Directive.args': average(schema.getDirectives().map((d) => d.args.length)),
  };
  boundsBySchema.set(schema, bounds);
  return bounds;
}

const fragmentsOf = (document: DocumentNode): ReadonlyMap<string, FragmentDefinitionNode> =>
  new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));

/** Prices an operation with its variables resolved (defaults applied), aliases and fragments counted. */
function priceRequest(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined): RequestPrice {
  const tally: PriceTally = { introspection: 0, introspectionBounds: introspectionBounds(schema), fragments: fragmentsOf(document), edges: new WeakMap() };
  try {
    const price = getComplexity({
      schema,
      query: document,
      variables,
      estimators: [estimate],
      context: tally,
      maxQueryNodes: MAX_PRICED_NODES,
      ...(operationName ? { operationName } : {}),
    });
    return { price, introspection: tally.introspection };
  } catch (error) {
    if (error instanceof GraphQLError) return { price: Number.POSITIVE_INFINITY, introspection: tally.introspection };
    throw error;
  }
}

/** Root fields an operation selects, aliases counted, through fragments spread at the root. */
function countRootFields(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen = new Set<string>()): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += selection.name.value === '__typename' ? 0 : 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += countRootFields(selection.selectionSet, fragments, seen);
    else if (!seen.has(selection.name.value)) {
      const fragment = fragments.get(selection.name.value);
      if (fragment) count += countRootFields(fragment.selectionSet, fragments, new Set([...seen, selection.name.value]));
    }
  }
  return count;
}

/** Takes `units` more from the client's rate, or says how long to wait when its bucket does not hold them. */
export type ChargeClient = (clientId: string, units: number) => Promise<RateVerdict>;

export interface RequestPriceDeps {
  readonly limits: Pick<HubConfig['limits'], 'maxQueryCost' | 'maxIntrospectionCost' | 'maxRootFields' | 'pricePerRequest' | 'introspectionClientTypes'>;
  /** Charges the client's rate for a request that costs more than one unit (the first is taken at the door). */
  readonly chargeClient: ChargeClient;
}

const refusal = (message: string, code: string, status: number, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extra, http: { status } } });

/**
 * Prices every operation before it runs — variables resolved, every alias and root field counted,
 * introspection included — and refuses one over the limits with a 4xx naming its price: too many
 * root fields or too high a price (400, REQUEST_TOO_EXPENSIVE), introspection by a client type that
 * needs no schema (403, FORBIDDEN), more than the client's rate holds, or a second expensive request
 * while the client's first still runs (429, RATE_LIMITED). An expensive request reads through the
 * heavy lane (ReadPools), one database connection that expensive requests share. A request costs the client's rate one unit
 * per `pricePerRequest` of its price. Every priced response carries
 * `extensions.price`.
 */
export function requestPricePlugin(deps: RequestPriceDeps): ApolloServerPlugin<HubContext> {
  const { limits } = deps;
  // Clients with an expensive request (priced over pricePerRequest) running in this process: one at a
  // time each, so one token holder's parallel heavy requests cannot take every core.
  const heavy = new Set<string>();
  return {
    requestDidStart() {
      let priced: number | undefined;
      let heavyFor: string | undefined;
      return Promise.resolve({
        async didResolveOperation({ request, document, operation, schema, contextValue }) {
          if (!operation) return;
          const { principal } = contextValue.access;
          const rootFields = countRootFields(operation.selectionSet, fragmentsOf(document));
          if (rootFields > limits.maxRootFields) {
            throw refusal(
              `the operation selects ${rootFields} root fields (aliases included); at most ${limits.maxRootFields} are allowed: split it into several requests`,
              'REQUEST_TOO_EXPENSIVE',
              400,
              { rootFields, maxRootFields: limits.maxRootFields },
            );
          }
          // Variables are coerced as execution will coerce them: a wrong one is the client's error, not an unpriceable request.
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 5 });
          if (coerced.errors) {
            // The first error's field and rule (from the scalar that refused the value) stay with the refusal.
            const { field, rule } = coerced.errors[0]?.extensions ?? {};
            throw new GraphQLError(coerced.errors.map((error) => error.message).join('; '), {
              extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}), ...(rule ? { rule } : {}), http: { status: 400 } },
            });
          }
          const { price: dataPrice, introspection } = priceRequest(schema, document, request.variables ?? {}, request.operationName ?? undefined);
          const price = dataPrice + introspection;
          if (Number.isFinite(price)) priced = price;
          if (introspection > 0 && !limits.introspectionClientTypes.includes(principal.clientType)) {
            contextValue.access.trail.noteDenial('INTROSPECTION_DISABLED');
            throw refusal(
              `schema introspection is not available to ${principal.clientType} clients; the schema is documented in the hub's README`,
              'FORBIDDEN',
              403,
              { reason: 'INTROSPECTION_DISABLED' },
            );
          }
          if (dataPrice > limits.maxQueryCost) {
            const shown = Number.isFinite(dataPrice) ? String(dataPrice) : 'beyond what can be priced';
            throw refusal(
              `the request's price is ${shown}, over the limit of ${limits.maxQueryCost}: ask for smaller pages (first), fewer fields or fewer totalCounts`,
              'REQUEST_TOO_EXPENSIVE',
              400,
              {
                price: Number.isFinite(dataPrice) ? dataPrice : null,
                maxPrice: limits.maxQueryCost,
              },
            );
          }
          if (introspection > limits.maxIntrospectionCost) {
            throw refusal(
              `the request reads the schema at a price of ${introspection}, over the limit of ${limits.maxIntrospectionCost}: read it once (one __schema walk, as GraphiQL does)`,
              'REQUEST_TOO_EXPENSIVE',
              400,
              {
                price: introspection,
                maxPrice: limits.maxIntrospectionCost,
              },
            );
          }
          const units = Math.ceil(price / limits.pricePerRequest);
          if (units > 1) {
            if (heavy.has(principal.clientId)) {
              throw refusal(
                `client ${principal.clientId} already has an expensive request (price over ${limits.pricePerRequest}) running; send the next when it has been answered`,
                'RATE_LIMITED',
                429,
                {
                  price,
                  retryAfter: 1,
                },
              );
            }
            // Taken before the charge is awaited, so two requests arriving together cannot both pass.
            heavy.add(principal.clientId);
            heavyFor = principal.clientId;
            contextValue.access.lane.heavy = true;
            const charged = await deps.chargeClient(principal.clientId, units - 1);
            if (!charged.ok) {
              throw refusal(
                `the request's price ${price} costs ${units} units of client ${principal.clientId}'s rate, more than it holds now; retry after ${charged.retryAfterSeconds} s`,
                'RATE_LIMITED',
                429,
                {
                  price,
                  retryAfter: charged.retryAfterSeconds,
                },
              );
            }
          }
        },
        willSendResponse({ response }) {
          if (heavyFor !== undefined) heavy.delete(heavyFor);
          if (priced !== undefined && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, price: priced };
          }
          return Promise.resolve();
        },
      });
    },
  };
}
