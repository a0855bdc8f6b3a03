// supertest types every response body as `any`; these helpers give a body the shape the test expects,
// so the compiler checks the test's reading of it and the test's expect() calls check the hub's answer at run time.

/** One entry of a GraphQL answer's `errors`, as the hub writes it (Apollo puts a code on every error). */
export interface GraphQLErrorEntry {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions: { readonly code: string; readonly [key: string]: unknown };
}

/** The body of a GraphQL answer whose `data`, when there is any, has the shape `T`. */
export interface GraphQLBody<T> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorEntry[];
  /** What the hub adds to every answer, such as the request's price. */
  readonly extensions?: { readonly price?: number; readonly auditEntries?: readonly number[]; readonly [key: string]: unknown };
}

/** An HTTP response whose body is declared as `T`: `const res: AnswerOf<Token> = await request(app).post(...)` (REST; for GraphQL use `gqlAs`). */
export interface AnswerOf<T> {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly body: T;
}

/** The value, or a test failure that names what was missing (instead of a non-null assertion). */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}

/** The codes of a GraphQL answer's errors, in order (none: an empty list). */
export function errorCodes(body: GraphQLBody<unknown>): string[] {
  return (body.errors ?? []).map((error) => error.extensions.code);
}

/** The first error of a GraphQL answer, for a request expected to fail. */
export function firstError(body: GraphQLBody<unknown>): GraphQLErrorEntry {
  return defined(body.errors?.[0], 'a GraphQL error');
}

/** The data of a GraphQL answer expected to succeed: the test fails (showing the errors) when there are errors or no data. */
export function dataOf<T>(body: GraphQLBody<T>): T {
  expect(body.errors).toBeUndefined();
  return defined(body.data, 'GraphQL data');
}

/**
 * A value inside an untyped JSON answer (REST bodies, supertest's `res.body`), by its path: undefined
 * where the path does not lead anywhere. The expect() on it checks its shape at run time.
 */
export function fieldOf(body: unknown, ...path: (string | number)[]): unknown {
  let value: unknown = body;
  for (const step of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}
