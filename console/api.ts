/** The console's only ways to the hub: its sign-in API and /graphql, with the session cookie and CSRF header. */

/** A GraphQL operation of the console, typed by what it returns and what it takes. */
export interface Operation<TData, TVariables> {
  readonly document: string;
  /** Never set: carries the types. */
  readonly __types?: { data: TData; variables: TVariables };
}

export const operation = <TData, TVariables = Record<string, never>>(document: string): Operation<TData, TVariables> => ({ document });

/** The signed-in person, as GET /console/api/session returns it. */
export interface SignedIn {
  readonly user: { name: string; personName: string; role: 'OPERATOR' | 'VIEWER'; clientId: string; purpose: string };
  readonly session: string;
  readonly expiresAt: string;
  readonly csrfToken: string;
}

/** A refusal or error, with the hub's own words. */
export class HubError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return { error: text.slice(0, 200) };
  }
}

function failure(status: number, body: unknown): HubError {
  const { error, error_description: description } = (body ?? {}) as { error?: string; error_description?: string };
  return new HubError(description ?? error ?? `HTTP ${status}`, status, error);
}

/** Who is signed in; undefined when no one (no cookie, or the session ended). */
export async function currentSession(): Promise<SignedIn | undefined> {
  const response = await fetch('/console/api/session', { credentials: 'same-origin' });
  if (response.status === 401) return undefined;
  const body = await readJson(response);
  if (!response.ok) throw failure(response.status, body);
  const session = body as SignedIn;
  csrfToken = session.csrfToken;
  return session;
}

/** Exchanges the invite token of a sign-in link for a session. */
export async function signIn(invite: string): Promise<SignedIn> {
  const response = await fetch('/console/api/sign-in', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ invite }),
  });
  const body = await readJson(response);
  if (!response.ok) throw failure(response.status, body);
  const session = body as SignedIn;
  csrfToken = session.csrfToken;
  return session;
}

export async function signOut(): Promise<void> {
  await fetch('/console/api/sign-out', { method: 'POST', credentials: 'same-origin', headers: { 'x-console-csrf': csrfToken } });
  csrfToken = '';
}

/** Called when a request finds the session ended, so the app can show the sign-in page. */
let onSessionEnded: () => void = () => undefined;
export const whenSessionEnds = (handler: () => void): void => {
  onSessionEnded = handler;
};

/** Runs an operation as the signed-in person; throws HubError with the hub's message on any error. */
export async function request<TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables): Promise<TData> {
  const response = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-console-csrf': csrfToken },
    body: JSON.stringify({ query: op.document, variables }),
  });
  const body = (await readJson(response)) as { data?: TData; errors?: { message: string; extensions?: { code?: string } }[] };
  if (response.status === 401) {
    onSessionEnded();
    throw failure(401, body);
  }
  const first = body.errors?.[0];
  if (first) throw new HubError(first.message, response.status, first.extensions?.code);
  if (!response.ok || body.data === undefined) throw failure(response.status, body);
  return body.data;
}
