import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { Counter, Histogram } from 'prom-client';
import type { HubContext } from '../schema/context.js';

/** A GraphQL name without a run of digits: a client cannot put a USCC or an identity number in a label. */
const LABELLED_NAME = /^(?!.*\d{4})[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Error codes are the hub's own (BAD_USER_INPUT, FORBIDDEN, …); anything else is counted as OTHER. */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,39}$/;

/**
 * The operation label of a request, with bounded cardinality: the first `max` distinct operation
 * names seen are kept, later ones are `(other)`, as is a name that could carry data (digits); an
 * unnamed operation is `(anonymous)` and a document that did not parse or validate `(invalid)`.
 */
export class OperationNames {
  readonly #kept = new Set<string>();

  constructor(private readonly max = 200) {}

  label(name: string | undefined, parsed: boolean): string {
    if (!parsed) return '(invalid)';
    if (!name) return '(anonymous)';
    if (this.#kept.has(name)) return name;
    if (!LABELLED_NAME.test(name) || this.#kept.size >= this.max) return '(other)';
    this.#kept.add(name);
    return name;
  }
}

export interface GraphqlMetrics {
  readonly operationNames: OperationNames;
  readonly graphqlDuration: Histogram<'operation' | 'outcome'>;
  readonly graphqlErrors: Counter<'code'>;
}

function outcomeOf(context: GraphQLRequestContextWillSendResponse<HubContext>, errors: readonly { extensions?: Record<string, unknown> }[]): string {
  if (context.contextValue.access.trail.denied) return 'denied';
  return errors.length > 0 ? 'error' : 'ok';
}

/**
 * Times every GraphQL request by operation and outcome and counts the errors of its response by code.
 * Reads only names and codes, never variables, arguments or results.
 */
export function metricsPlugin(metrics: GraphqlMetrics): ApolloServerPlugin<HubContext> {
  return {
    requestDidStart() {
      const started = performance.now();
      return Promise.resolve({
        willSendResponse(context) {
          const body = context.response.body;
          const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
          for (const error of errors) {
            const code = error.extensions?.['code'];
            metrics.graphqlErrors.inc({ code: typeof code === 'string' && ERROR_CODE.test(code) ? code : 'OTHER' });
          }
          const operation = metrics.operationNames.label(context.operation?.name?.value, context.operation !== undefined);
          metrics.graphqlDuration.observe({ operation, outcome: outcomeOf(context, errors) }, (performance.now() - started) / 1000);
          return Promise.resolve();
        },
      });
    },
  };
}
