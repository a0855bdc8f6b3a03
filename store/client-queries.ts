import type { HubDb } from './database.js';

export interface ClientRow {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly agency_code: string | null;
  readonly regions: string[];
  readonly scopes: string[];
  readonly public_jwks: unknown;
  readonly jwks_url: string | null;
  readonly secret_hash: string | null;
  readonly requests_per_minute: number | null;
  readonly created_at: Date;
  readonly revoked_at: Date | null;
}

export interface ClientRegistration {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly agencyCode: string | null;
  readonly regions: readonly string[];
  readonly scopes: readonly string[];
  readonly publicJwks: { keys: readonly object[] } | null;
  readonly jwksUrl: string | null;
  readonly secretHash: string | null;
  readonly requestsPerMinute: number | null;
}

const COLUMNS = [
  'id',
  'name',
  'type',
  'agency_code',
  'regions',
  'scopes',
  'public_jwks',
  'jwks_url',
  'secret_hash',
  'requests_per_minute',
  'created_at',
  'revoked_at',
] as const;

export async function findClient(db: HubDb, id: string): Promise<ClientRow | undefined> {
  return db.selectFrom('api_clients').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function listClients(db: HubDb): Promise<ClientRow[]> {
  return db.selectFrom('api_clients').select(COLUMNS).orderBy('id').execute();
}

/**
 * Registers clients, or updates their registration. A revoked client stays revoked: re-registering
 * (e.g. from configuration at every start) never brings it back.
 */
export async function upsertClients(db: HubDb, clients: readonly ClientRegistration[], now: Date): Promise<void> {
  if (clients.length === 0) return;
  await db
    .insertInto('api_clients')
    .values(
      clients.map((c) => ({
        id: c.id,
        name: c.name,
        type: c.type,
        agency_code: c.agencyCode,
        regions: [...c.regions],
        scopes: [...c.scopes],
        public_jwks: c.publicJwks ? JSON.stringify(c.publicJwks) : null,
        jwks_url: c.jwksUrl,
        secret_hash: c.secretHash,
        requests_per_minute: c.requestsPerMinute,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        type: eb.ref('excluded.type'),
        agency_code: eb.ref('excluded.agency_code'),
        regions: eb.ref('excluded.regions'),
        scopes: eb.ref('excluded.scopes'),
        public_jwks: eb.ref('excluded.public_jwks'),
        jwks_url: eb.ref('excluded.jwks_url'),
        secret_hash: eb.ref('excluded.secret_hash'),
        requests_per_minute: eb.ref('excluded.requests_per_minute'),
        updated_at: now,
      })),
    )
    .execute();
}

/** Revokes a client: its tokens stop working at once. Returns false when no such active client exists. */
export async function revokeClient(db: HubDb, id: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('api_clients').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Remembers a client assertion's jti until it expires. Returns false when it was seen before: a
 * replayed assertion. Expired ids are pruned on the way.
 */
export async function rememberAssertionId(db: HubDb, clientId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
  await db.deleteFrom('client_assertion_ids').where('expires_at', '<', now).execute();
  const inserted = await db
    .insertInto('client_assertion_ids')
    .values({ client_id: clientId, jti, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
    .executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
