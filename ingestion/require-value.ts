/** A value the code's own invariants guarantee was missing: a bug, never a client's fault (clients see an internal error). */
export class MissingValueError extends Error {
  override readonly name = 'MissingValueError';
}

/**
 * Returns `value`, or throws MissingValueError naming `what` when it is undefined or null. For values
 * that must exist by construction (a map entry filled just before, a group of a regex that matched),
 * where the type system cannot see it; never for input, which is validated with its own message.
 */
export function requireValue<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new MissingValueError(`${what} is missing`);
  return value;
}
