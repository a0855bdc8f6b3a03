import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { holdsScope, isAdmin, type Principal, type Scope } from '../access/clients.js';
import type { HubContext } from './context.js';
import { forbidden } from './errors.js';

/**
 * Who may call each root field: the one place read and write access is decided. A root field without
 * a rule fails schema creation (deny by default). Subject-level rules (a bank's enterprise
 * authorisation, a client's own audit entries) are checked where the data is read, in readers/ (read-scope.ts holds the record grant every area applies).
 */
export type FieldRule =
  /** Any client with a valid token (metadata such as the agency list, its own identity). */
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'scope'; readonly scope: Scope }
  /** The scope, and the agency named by argument `arg` is the client's own (admins: any). */
  | { readonly kind: 'own-agency'; readonly scope: Scope; readonly arg: string };

const authenticated: FieldRule = { kind: 'authenticated' };
const scope = (s: Scope): FieldRule => ({ kind: 'scope', scope: s });
const ownAgency = (s: Scope, arg: string): FieldRule => ({ kind: 'own-agency', scope: s, arg });

export const ROOT_FIELD_RULES: Readonly<Record<string, FieldRule>> = {
  'Query.me': authenticated,
  'Query.agencies': authenticated,
  'Query.subject': scope('records:read'),
  'Query.subjects': scope('records:read'),
  'Query.records': scope('records:read'),
  'Query.record': scope('records:read'),
  'Query.quarantine': ownAgency('records:write', 'agencyCode'),
  'Query.ingestionBatches': ownAgency('records:write', 'agencyCode'),
  'Query.connectorRuns': ownAgency('records:write', 'agencyCode'),
  'Query.connectors': ownAgency('records:write', 'agencyCode'),
  'Query.creditReport': scope('credit:report'),
  'Query.authorizations': scope('authorizations:write'),
  'Query.changeFeed': scope('sync:feed'),
  'Query.clients': scope('admin'),
  'Query.auditLog': scope('admin'),
  'Query.subjectAccessLog': scope('audit:subject'),
  'Query.personAccessLog': scope('audit:subject'),
  'Query.auditCheckpoint': authenticated,
  'Query.auditProof': authenticated,
  'Query.recordCounts': scope('records:read'),
  'Query.evaluation': scope('credit:read'),
  'Query.supervision': scope('credit:read'),
  'Query.measuresFor': scope('credit:read'),
  'Query.checkMeasure': scope('credit:read'),
  'Query.gradeDistribution': scope('credit:read'),
  'Query.evaluateModel': scope('admin'),
  'Mutation.releaseQuarantinedRecord': scope('admin'),
  'Mutation.submitRecords': ownAgency('records:write', 'agencyCode'),
  'Mutation.runConnectorNow': scope('admin'),
  'Mutation.replayQuarantine': scope('admin'),
  'Mutation.reloadConfiguration': scope('admin'),
  'Mutation.grantAuthorization': scope('authorizations:write'),
  'Mutation.revokeAuthorization': scope('authorizations:write'),
  'Query.repairRequests': scope('repair:write'),
  'Query.repairRequest': scope('repair:write'),
  'Query.objections': scope('repair:write'),
  'Query.objection': scope('repair:write'),
  'Mutation.fileRepairRequest': scope('repair:write'),
  'Mutation.decideRepairRequest': scope('repair:write'),
  'Mutation.fileObjection': scope('repair:write'),
  'Mutation.extendObjection': scope('repair:write'),
  'Mutation.resolveObjection': scope('repair:write'),
  'Mutation.activateCreditModel': scope('admin'),
  // 一公开: every draw, its seed, targets and results are public to any client of the hub; credit classes
  // (the population, a target's class) only to agencies and admins, checked where they are read.
  'Query.inspectionDraw': authenticated,
  'Query.inspectionDraws': authenticated,
  'Mutation.commitInspectionDraw': ownAgency('inspections:draw', 'agencyCode'),
  // The draw's own agency is checked where it is read (admins: any).
  'Mutation.executeInspectionDraw': scope('inspections:draw'),
  'Mutation.cancelInspectionDraw': scope('inspections:draw'),
};

/** Why the principal may not use a field under a rule, or undefined when it may. */
export function denialReason(rule: FieldRule, principal: Principal, args: Record<string, unknown>): { reason: string; message: string } | undefined {
  if (rule.kind === 'authenticated') return undefined;
  if (!holdsScope(principal, rule.scope))
    return { reason: 'MISSING_SCOPE', message: `this needs scope ${rule.scope}, which client ${principal.clientId} does not hold` };
  if (rule.kind === 'own-agency' && !isAdmin(principal) && args[rule.arg] !== principal.agencyCode) {
    return { reason: 'NOT_OWN_AGENCY', message: `client ${principal.clientId} may only use this for its own agency ${principal.agencyCode ?? ''}` };
  }
  return undefined;
}

type Resolvers = Record<string, Record<string, unknown>>;

/** Wraps every root resolver with its rule; throws at start-up naming any root field that has none. */
export function guardRootFields(schemaRootFields: readonly string[], resolvers: Resolvers): Resolvers {
  const unguarded = schemaRootFields.filter((field) => !ROOT_FIELD_RULES[field]);
  if (unguarded.length > 0) throw new Error(`root fields without an access rule in schema/policy.ts: ${unguarded.join(', ')}`);
  const guarded: Resolvers = { ...resolvers };
  for (const typeName of ['Query', 'Mutation']) {
    const fields = resolvers[typeName];
    if (!fields) continue;
    guarded[typeName] = Object.fromEntries(
      Object.entries(fields).map(([name, resolve]) => {
        const rule = ROOT_FIELD_RULES[`${typeName}.${name}`];
        if (!rule) throw new Error(`resolver ${typeName}.${name} has no access rule in schema/policy.ts`);
        const inner = resolve as GraphQLFieldResolver<unknown, HubContext>;
        const wrapped: GraphQLFieldResolver<unknown, HubContext> = (source, args: Record<string, unknown>, context, info) => {
          const denial = denialReason(rule, context.access.principal, args);
          if (denial) {
            context.access.trail.noteDenial(denial.reason);
            throw forbidden(denial.reason, denial.message);
          }
          return inner(source, args, context, info);
        };
        return [name, wrapped];
      }),
    );
  }
  return guarded;
}

/** Names of the schema's root fields, e.g. Query.subject. */
export function rootFieldsOf(schema: GraphQLSchema): string[] {
  return [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
    type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [],
  );
}
