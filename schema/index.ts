import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { guardRootFields, rootFieldsOf } from './policy.js';
import { accessResolvers } from './resolvers/access.js';
import { agencyResolvers } from './resolvers/agencies.js';
import { creditResolvers } from './resolvers/credit.js';
import { inspectionResolvers } from './resolvers/inspections.js';
import { recordResolvers } from './resolvers/records.js';
import { repairResolvers } from './resolvers/repair.js';
import { subjectResolvers } from './resolvers/subjects.js';
import { submissionResolvers } from './resolvers/submissions.js';
import { statisticsResolvers } from './resolvers/statistics.js';
import { DateScalar, DateTimeScalar, DecimalScalar, UsccScalar } from './scalars.js';

/** The SDL files beside this module, in name order. */
function loadTypeDefs(): string[] {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(`${dir}/${name}`, 'utf8'));
}

/** The API schema; every root field is guarded by its rule in policy.ts (creation fails for one without). */
export function createSchema(): GraphQLSchema {
  const typeDefs = loadTypeDefs();
  const rootFields = rootFieldsOf(makeExecutableSchema({ typeDefs }));
  return makeExecutableSchema({
    typeDefs,
    resolvers: [
      { USCC: UsccScalar, Date: DateScalar, DateTime: DateTimeScalar, Decimal: DecimalScalar, JSONObject: GraphQLJSONObject },
      ...[
        subjectResolvers,
        recordResolvers,
        agencyResolvers,
        accessResolvers,
        submissionResolvers,
        creditResolvers,
        repairResolvers,
        inspectionResolvers,
        statisticsResolvers,
      ].map((resolvers) => guardRootFields(rootFields, resolvers)),
    ],
  });
}
