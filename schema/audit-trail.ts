import { GraphQLError } from 'graphql';
import { TOO_MANY_SUBJECTS } from '../audit/audit-trail.js';

/** The refusal of a request that would touch more than `limit` subjects: its data is withheld (AuditTrail's `tooManySubjects` rule). */
export function tooManySubjects(limit: number): GraphQLError {
  return new GraphQLError(
    `this request would touch more than ${limit} subjects (enterprises and persons), the most one request may (limits.maxSubjectsPerRequest): it is refused and its data withheld; ask for fewer at a time`,
    { extensions: { code: 'BAD_REQUEST', reason: TOO_MANY_SUBJECTS, limit } },
  );
}
