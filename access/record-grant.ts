import { holdsScope, isAdmin, type Principal } from './clients.js';

/**
 * Which records a principal may read, by the region they originate in: every region, some, or none.
 * It holds on every path that reaches a record (root lists, one record, a subject's records, the
 * change feed), so a nested field never reads more than the root field would.
 */
export type RecordGrant = { readonly kind: 'all' } | { readonly kind: 'regions'; readonly regions: readonly string[] } | { readonly kind: 'none' };

/**
 * Agencies (records:read) and partner hubs (sync:feed) read the records of their registered regions
 * (all when registered without any); operators read everything; banks read no record, only the
 * credit report an enterprise authorised.
 */
export function recordGrantOf(principal: Principal): RecordGrant {
  if (isAdmin(principal)) return { kind: 'all' };
  if (!holdsScope(principal, 'records:read') && !holdsScope(principal, 'sync:feed')) return { kind: 'none' };
  return principal.regions.length === 0 ? { kind: 'all' } : { kind: 'regions', regions: principal.regions };
}

/** Whether a record of `originRegion` is within the grant. */
export function grantCovers(grant: RecordGrant, originRegion: string): boolean {
  return grant.kind === 'all' || (grant.kind === 'regions' && grant.regions.includes(originRegion));
}

/**
 * The origin regions a read may return under the grant, narrowed by the regions the request asked
 * for: undefined for no restriction, an empty list when nothing can match.
 */
export function grantedRegions(grant: RecordGrant, requested: readonly string[] | undefined): readonly string[] | undefined {
  const asked = requested?.length ? requested : undefined;
  if (grant.kind === 'none') return [];
  if (grant.kind === 'all') return asked;
  return asked ? asked.filter((region) => grant.regions.includes(region)) : grant.regions;
}
