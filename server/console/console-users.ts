import type { PurposeConfig } from '../../access/access-config-schema.js';
import { findClient } from '../../store/client-queries.js';
import { CONSOLE_ROLES, upsertConsoleUser, type ConsoleRole } from '../../store/console-queries.js';
import type { HubDb } from '../../store/database.js';

/** A console user as an operator describes it (`console user add`). */
export interface ConsoleUserInput {
  /** Sign-in name: 2-64 characters of a-z, 0-9, ., _ and -. */
  readonly name: string;
  /** The person's name as colleagues know it, e.g. 张伟; shown in audit entries. */
  readonly personName: string;
  readonly role: string;
  /** The API client (agency, or the hub operator) the person acts for. */
  readonly clientId: string;
  /** The purpose every request of the person states; one the client's type may state. */
  readonly purpose: string;
}

/** A console user that cannot be added; the message names the field, the rule and the value. */
export class ConsoleUserError extends Error {}

const USER_NAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** Validates and stores a console user (a new one, or new details of an existing one). Throws ConsoleUserError. */
export async function addConsoleUser(db: HubDb, purposes: readonly PurposeConfig[], input: ConsoleUserInput, at: Date): Promise<void> {
  if (!USER_NAME.test(input.name))
    throw new ConsoleUserError(
      `user "${input.name.slice(0, 64)}" is not a sign-in name: 2-64 characters of a-z, 0-9, ., _ and -, starting with a letter or digit`,
    );
  const personName = input.personName.trim();
  if (personName.length < 1 || personName.length > 100) throw new ConsoleUserError("--person must be the person's name, 1 to 100 characters");
  if (!(CONSOLE_ROLES as readonly string[]).includes(input.role))
    throw new ConsoleUserError(`--role "${input.role.slice(0, 20)}" is not a console role: one of ${CONSOLE_ROLES.join(', ')}`);
  const client = await findClient(db, input.clientId);
  if (!client || client.revoked_at) throw new ConsoleUserError(`--client "${input.clientId.slice(0, 64)}" is not an active registered client`);
  const allowed = purposes.filter((purpose) => (purpose.clientTypes as readonly string[]).includes(client.type)).map((purpose) => purpose.code);
  if (!allowed.includes(input.purpose))
    throw new ConsoleUserError(`--purpose "${input.purpose.slice(0, 40)}" is not one a ${client.type} client may state: one of ${allowed.join(', ')}`);
  await upsertConsoleUser(db, {
    name: input.name,
    person_name: personName,
    role: input.role as ConsoleRole,
    client_id: client.id,
    purpose: input.purpose,
    created_at: at,
  });
}
