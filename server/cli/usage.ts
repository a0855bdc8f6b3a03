import { CLIENT_TYPES, SCOPES } from '../../access/clients.js';
import { CONSOLE_USAGE } from '../console/console-cli.js';

/** `npm run hub -- --help`. */
export const USAGE = `Operator commands of the credit hub (database from DATABASE_URL or HUB_DATA_DIR, config from HUB_CONFIG):

  client add --id ID --name NAME --type ${CLIENT_TYPES.join('|')} [--agency CODE] [--regions 310000,320000]
             [--scopes ${Object.keys(SCOPES).join(',')}] (--public-key FILE | --jwks-url URL | --secret-file FILE)
             [--requests-per-minute N]          register a client, or update its registration
  client keygen --out PREFIX [--alg EdDSA|ES256] write a key pair for a client: PREFIX.private.jwk.json (keep it
                                                with the client) and PREFIX.public.jwk.json (for client add --public-key)
  client list [--json]                          list registered clients
  client revoke ID                              revoke a client: its tokens stop working at once
  key rotate                                    activate a new signing key (the old one keeps verifying)
  token mint ID [--scope "a b"]                 print a short-lived access token for a client (local testing)
  token request --client ID --key FILE [--hub URL] [--scope "a b"]
                                                get a token from a running hub as a client does (private_key_jwt);
                                                the hub is --hub, else HUB_URL, else http://localhost:$PORT
  import FILE --agency CODE [--source NAME] [--json]
                                                ingest a .csv/.jsonl file for an agency through the mapping of
                                                its file-drop source (--source when it has several), as a dropped file
  quarantine replay --agency CODE [--json]      map and validate the agency's open quarantine again with the config
                                                file's mappings as they are now (as the replayQuarantine mutation does)
  status [--json]                               the running hub's readiness (at HUB_URL or PORT), the audit log head and
                                                checkpoint, open quarantine, each source's last successful run; exit 0
                                                when the hub answers ready, 3 when it does not answer or is not ready
  store status                                  the store part of status, as JSON
  audit verify                                  verify the whole audit log; exit code 2 names the first altered entry
  draw verify ID                                recompute a 双随机 inspection draw from its population, seed and pool:
                                                exit code 0 OK, 1 it differs (each difference printed) or is not executed
  audit check-receipt JWT                       check a receipt (X-Audit-Receipt) against the log: exit code 0 held,
                                                2 altered or dropped, 1 not a receipt of this hub
${CONSOLE_USAGE}

While a hub runs on this HUB_DATA_DIR, the commands that need the database run in it, through its operator
socket (HUB_DATA_DIR/hub.sock: used only when it is this OS user's, in a folder no other user may write, and
answers as the hub HUB_CONFIG names); otherwise the CLI opens the database itself, but never creates one:
HUB_DATA_DIR (default ./data) is resolved from the folder you run the CLI in. State changes are audited as
client local-operator.
Exit codes: 0 done, 1 refused or failed (the message says why), 2 audit check found an altered log, 3 status: hub not ready.`;
