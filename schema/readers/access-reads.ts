import { findClient, listClients, type ClientRow } from '../../store/client-queries.js';
import { listAuthorizations, type AuthorizationRow } from '../../store/authorization-queries.js';
import type { ReadScope } from './read-scope.js';

/** Reading the hub's clients and enterprises' authorisations (授权). Who may ask is decided at the root field (policy.ts). */
export interface AccessReads {
  /** An enterprise's authorisations, every state; the enterprise is noted as read. */
  readonly authorizations: (uscc: string) => Promise<AuthorizationRow[]>;
  readonly clients: () => Promise<ClientRow[]>;
  readonly client: (id: string) => Promise<ClientRow | undefined>;
}

export function createAccessReads(scope: ReadScope): AccessReads {
  const { db } = scope;
  return {
    authorizations: async (uscc) => {
      scope.access.trail.noteSubject(uscc);
      return listAuthorizations(db(), uscc);
    },
    clients: () => listClients(db()),
    client: (id) => findClient(db(), id),
  };
}
