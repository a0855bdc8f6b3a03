import { RegistrationError } from '../access/client-registration.js';
import { ConfigError } from '../config/config-error.js';

/**
 * The text printed when the hub cannot start. A configuration problem (environment, config file,
 * client files) is its message alone, one line per problem naming its key: the operator fixes the
 * key, a stack trace would only hide it. Anything else is unexpected and keeps its stack.
 */
export function startFailureMessage(error: unknown): string {
  if (error instanceof ConfigError || error instanceof RegistrationError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
