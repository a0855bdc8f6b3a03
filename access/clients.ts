/** Who may call the hub, and what each kind of client may do: the one place scopes are declared. */

export const CLIENT_TYPES = ['AGENCY', 'BANK', 'PARTNER_HUB', 'ADMIN'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

/**
 * Scopes a token can carry. `records:write` is granted as `records:write:<AGENCY CODE>`: an agency
 * writes only its own records.
 */
export const SCOPES = {
  'records:read': 'read shared subjects and records of every agency',
  'records:write': "write the client's own agency's records and read its quarantine, batches and connector runs",
  'credit:report': 'read the credit report of an enterprise that has authorised the client (信易贷)',
  'sync:feed': "read the change feed of the client's regions (partner hubs)",
  'authorizations:write': 'record and revoke enterprise authorisations (授权) for banks',
  'audit:subject': 'answer who accessed an enterprise’s data',
  'credit:read': "read enterprises' credit grades, their supervision measures and grade distributions (信用分级分类监管)",
  'inspections:draw': 'commit and execute 双随机 inspection draws for the agency',
  'repair:write': 'file and decide credit repair requests (信用修复) and objections (异议)',
  admin: 'operate the hub: every scope, the audit log, quarantine overrides',
} as const;
export type Scope = keyof typeof SCOPES;

/** The scopes each client type may hold; a registered client may be narrowed further. */
export const SCOPES_BY_CLIENT_TYPE: Readonly<Record<ClientType, readonly Scope[]>> = {
  AGENCY: ['records:read', 'records:write', 'authorizations:write', 'audit:subject', 'credit:read', 'inspections:draw', 'repair:write'],
  BANK: ['credit:report'],
  PARTNER_HUB: ['sync:feed'],
  ADMIN: ['admin'],
};

/** The scope strings a token carries for a scope (`records:write` becomes `records:write:<agency>`). */
export function grantedScopeString(scope: Scope, agencyCode: string | null): string {
  return scope === 'records:write' ? `records:write:${agencyCode ?? ''}` : scope;
}

/** The identity a verified access token establishes for one request. */
export interface Principal {
  readonly clientId: string;
  readonly clientType: ClientType;
  /** Scopes of the token, as granted (`records:write:SH-SAMR`). */
  readonly scopes: ReadonlySet<string>;
  /** Provinces (GB/T 2260 codes) whose data the client may read; empty means all. */
  readonly regions: readonly string[];
  readonly agencyCode: string | null;
  readonly tokenId: string;
  /** The person acting through the client, for a request from a web-console session: `<user> (<name>)`. */
  readonly person?: string | undefined;
}

/** Whether the principal holds `scope`; an admin holds every scope. */
export function holdsScope(principal: Principal, scope: Scope): boolean {
  if (principal.scopes.has('admin')) return true;
  if (scope === 'records:write') return principal.agencyCode !== null && principal.scopes.has(grantedScopeString(scope, principal.agencyCode));
  return principal.scopes.has(scope);
}

export const isAdmin = (principal: Principal): boolean => principal.scopes.has('admin');
