/** Arguments that do not make a command: exit 1 with the message and the usage. */
export class UsageError extends Error {}

/** The value of `--name`; throws UsageError when it is missing or empty. */
export function required(values: Readonly<Record<string, unknown>>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A comma-separated option as its trimmed, non-empty items; undefined when the option is absent. */
export function commaList(value: unknown): string[] | undefined {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : undefined;
}

/** The first positional argument; throws UsageError with `hint` when there is none. */
export function firstPositional(positionals: readonly string[], hint: string): string {
  const value = positionals[0];
  if (value === undefined || value === '') throw new UsageError(hint);
  return value;
}

/** A registered client's id as the config file's rule has it (2-64 characters of a-z, 0-9, ., _ and -). */
const CLIENT_ID = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** `value` as a client id; throws UsageError naming `argument`, the rule and the value (shortened). */
export function clientIdArgument(value: string, argument: string): string {
  if (!CLIENT_ID.test(value))
    throw new UsageError(`${argument} "${value.slice(0, 64)}" is not a client id: 2-64 characters of a-z, 0-9, ., _ and -, starting with a letter or digit`);
  return value;
}
