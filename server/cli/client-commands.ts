import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toRegistration } from '../../access/client-registration.js';
import { CLIENT_TYPES, SCOPES, type ClientType, type Scope } from '../../access/clients.js';
import { findAgency } from '../../store/agency-queries.js';
import { listClients, revokeClient, upsertClients, type ClientRow } from '../../store/client-queries.js';
import { recordOperatorChange } from '../operator-audit.js';
import { clientIdArgument, commaList, firstPositional, required, UsageError } from './arguments.js';
import { done, type OperatorCommand } from './operator-command.js';

/** `client add`: registers a client, or updates its registration; audited. Key and secret files are read where the command runs. */
const addClient: OperatorCommand = {
  name: 'client add',
  async prepare(args, cwd) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        id: { type: 'string' },
        name: { type: 'string' },
        type: { type: 'string' },
        agency: { type: 'string' },
        regions: { type: 'string' },
        scopes: { type: 'string' },
        'public-key': { type: 'string' },
        'jwks-url': { type: 'string' },
        'secret-file': { type: 'string' },
        'requests-per-minute': { type: 'string' },
      },
    });
    const type = required(values, 'type');
    if (!(CLIENT_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type "${type.slice(0, 20)}" must be one of ${CLIENT_TYPES.join(', ')}`);
    const scopes = commaList(values.scopes);
    const unknown = scopes?.filter((scope) => !(scope in SCOPES));
    if (unknown?.length) throw new UsageError(`--scopes: unknown scopes: ${unknown.map((s) => s.slice(0, 40)).join(', ')}`);
    const rpm = values['requests-per-minute'] === undefined ? undefined : Number(values['requests-per-minute']);
    if (rpm !== undefined && (!Number.isInteger(rpm) || rpm < 1))
      throw new UsageError(`--requests-per-minute "${String(values['requests-per-minute']).slice(0, 20)}" must be a positive whole number`);
    const inCwd = (path: string | undefined) => (path === undefined ? undefined : resolve(cwd, path));
    const registration = await toRegistration({
      id: required(values, 'id'),
      name: required(values, 'name'),
      type: type as ClientType,
      agency: values.agency,
      regions: commaList(values.regions),
      scopes: scopes as Scope[] | undefined,
      publicKeyFile: inCwd(values['public-key']),
      jwksUrl: values['jwks-url'],
      secretFile: inCwd(values['secret-file']),
      requestsPerMinute: rpm,
    });
    return async ({ db, clock, osUser }) => {
      if (registration.agencyCode && !(await findAgency(db, registration.agencyCode)))
        throw new UsageError(`--agency ${registration.agencyCode} is not registered: add it to the config file and start the hub once`);
      // What was granted is part of the record: its type and each scope.
      const granted = [`client:${registration.id}`, `type:${registration.type}`, ...registration.scopes.map((scope) => `scope:${scope}`)];
      await recordOperatorChange(
        db,
        clock,
        'operator client add',
        async (trx) => {
          await upsertClients(trx, [registration], clock());
          return { value: true, returned: granted };
        },
        { osUser },
      );
      return done(`client ${registration.id} registered (${registration.type}; scopes ${registration.scopes.join(' ')})`);
    };
  },
};

/** A client as `client list --json` shows it. */
function clientJson(client: ClientRow) {
  return {
    id: client.id,
    name: client.name,
    type: client.type,
    agency: client.agency_code,
    scopes: client.scopes,
    regions: client.regions,
    revokedAt: client.revoked_at?.toISOString() ?? null,
  };
}

function clientLine(client: ClientRow): string {
  const auth = [client.public_jwks || client.jwks_url ? 'private_key_jwt' : '', client.secret_hash ? 'client_secret_basic' : ''].filter(Boolean).join('+');
  const state = client.revoked_at ? `REVOKED ${client.revoked_at.toISOString()}` : 'active';
  return `${client.id}\t${client.type}\t${client.agency_code ?? '-'}\t${state}\t${auth}\t${client.scopes.join(' ')}\t${client.name}`;
}

/** `client list [--json]`: the registered clients, a line each or one JSON array. */
const listClientsCommand: OperatorCommand = {
  name: 'client list',
  prepare(args) {
    const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } } });
    return async ({ db }) => {
      const clients = await listClients(db);
      return done(...(values.json ? [JSON.stringify(clients.map(clientJson))] : clients.map(clientLine)));
    };
  },
};

/** `client revoke ID`: its tokens are refused from now on, by every hub process (the client directory hears the change); audited. */
const revokeClientCommand: OperatorCommand = {
  name: 'client revoke',
  prepare(args) {
    const { positionals } = parseArgs({ args: [...args], allowPositionals: true });
    const id = clientIdArgument(firstPositional(positionals, 'client revoke needs the client id'), 'client id');
    return async ({ db, clock, osUser }) => {
      const revoked = await recordOperatorChange(
        db,
        clock,
        'operator client revoke',
        async (trx) => ((await revokeClient(trx, id, clock())) ? { value: true, returned: [`client:${id}`] } : undefined),
        { osUser },
      );
      return revoked ? done(`client ${id} revoked: its tokens are refused from now on`) : { lines: [`no active client ${id}`], exitCode: 1 };
    };
  },
};

export const CLIENT_COMMANDS: readonly OperatorCommand[] = [addClient, listClientsCommand, revokeClientCommand];
