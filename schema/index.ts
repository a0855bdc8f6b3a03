import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { agencyResolvers } from './resolvers/agencies.js';
import { recordResolvers } from './resolvers/records.js';
import { subjectResolvers } from './resolvers/subjects.js';
import { DateScalar, DateTimeScalar, DecimalScalar, UsccScalar } from './scalars.js';

/** The SDL files beside this module, in name order. */
function loadTypeDefs(): string[] {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(`${dir}/${name}`, 'utf8'));
}

export function createSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [
      { USCC: UsccScalar, Date: DateScalar, DateTime: DateTimeScalar, Decimal: DecimalScalar },
      subjectResolvers,
      recordResolvers,
      agencyResolvers,
    ],
  });
}
