import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { signAuditReceipt, type ReceiptSigningDeps } from '../audit/receipts.js';
import type { HubContext } from '../schema/context.js';
import { responseOverLimit } from './response-limit.js';
import type { HubDb } from '../store/database.js';

/** `query subject,records`: the operation type and its root fields, never argument values. */
function describeOperation(context: GraphQLRequestContextWillSendResponse<HubContext>): string {
  const operation = context.operation;
  if (!operation) return 'invalid request';
  const fields = operation.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []));
  return `${operation.operation} ${fields.join(',')}`.slice(0, 300);
}

/**
 * The fields a request selected (`Type.field`), read from its document once rather than noted at
 * every resolved value: the cost follows the query's size, not the result's.
 */
function selectedFields(schema: GraphQLSchema, document: DocumentNode): string[] {
  const fields = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent && !node.name.value.startsWith('__')) fields.add(`${parent.name}.${node.name.value}`);
      },
    }),
  );
  return [...fields];
}

function outcomeOf(context: GraphQLRequestContextWillSendResponse<HubContext>): string {
  const denied = context.contextValue.access.trail.denied;
  if (denied) return `DENIED:${denied}`;
  const body = context.response.body;
  const errors = body.kind === 'single' ? body.singleResult.errors : undefined;
  if (!errors?.length) return 'OK';
  const code = errors[0]?.extensions?.['code'];
  return `ERROR:${typeof code === 'string' ? code : 'UNKNOWN'}`;
}

/** Selected fields by query hash: clients repeat the same queries, and reading a document costs ~80 µs. */
const fieldsByQuery = new LRUCache<string, readonly string[]>({ max: 2000 });

/** Request header asking for signed receipts of the request's audit entries (value `1`). */
export const AUDIT_RECEIPT_HEADER = 'x-audit-receipt';

/**
 * Audits every GraphQL request: at its end, appends the request's entry with the fields it selected (unless a write already appended it in its own transaction). The entries' seqs are returned in
 * `extensions.auditEntries`, for inclusion proofs, and with `X-Audit-Receipt: 1` a signed receipt
 * of each in `extensions.auditReceipts`. A request that touched too many subjects, or whose response
 * is over `maxResponseBytes`, gets its refusal instead of its data. When the log cannot be written the response is withheld: no unaudited data
 * leaves the hub.
 */
export function auditPlugin(db: HubDb, logger: Logger, receipts: ReceiptSigningDeps, maxResponseBytes: number): ApolloServerPlugin<HubContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        async willSendResponse(context) {
          const { trail } = context.contextValue.access;
          const body = context.response.body;
          if (body.kind !== 'single') return;
          try {
            const { document, queryHash } = context;
            if (document && context.operation) {
              let fields = fieldsByQuery.get(queryHash);
              if (!fields) fieldsByQuery.set(queryHash, (fields = selectedFields(context.schema, document)));
              for (const field of fields) trail.noteReturned(field);
            }
            const oversized = responseOverLimit(body.singleResult, maxResponseBytes);
            if (oversized) body.singleResult = oversized;
            await trail.finish(db, describeOperation(context), outcomeOf(context));
            const { refusal } = trail;
            if (refusal) body.singleResult = { errors: [{ message: refusal.message, extensions: refusal.extensions }] };
            const extensions: Record<string, unknown> = { ...body.singleResult.extensions, auditEntries: trail.appended };
            if (context.request.http?.headers.get(AUDIT_RECEIPT_HEADER) === '1') {
              extensions['auditReceipts'] = await Promise.all(trail.appendedEntries.map((entry) => signAuditReceipt(receipts, entry)));
            }
            body.singleResult.extensions = extensions;
          } catch (error) {
            logger.error({ err: error }, 'audit log append failed: response withheld');
            context.response.http.status = 503;
            body.singleResult = {
              errors: [{ message: 'the audit log is unavailable, so the response is withheld; retry later', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
            };
          }
        },
      });
    },
  };
}
