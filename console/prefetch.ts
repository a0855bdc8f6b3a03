import { request, type Operation } from './api.js';

/**
 * Requests a page needs, started before it renders (right after sign-in, beside the request for who is
 * signed in), so they travel while the page's code runs instead of after. Each is handed once, to the
 * first that asks for it within a few seconds; anything later asks the hub again.
 */
const started = new Map<string, { at: number; promise: Promise<unknown> }>();

/** How long a request started early waits for its page; after that it may be stale. */
const FRESH_MS = 10_000;

/** Starts `load` now under `key`, for a page that will ask with startedOr(key, …). */
export function startEarly(key: string, load: () => Promise<unknown>): void {
  const promise = load();
  // A failure is reported to the page that takes the promise; one never taken is not an error.
  promise.catch(() => undefined);
  started.set(key, { at: Date.now(), promise });
}

/** What was started early under `key` (taken, so only once), or `load()` now. The caller names the same type the early start produced. */
export function startedOr<T>(key: string, load: () => Promise<T>): Promise<T> {
  const early = started.get(key);
  started.delete(key);
  return early && Date.now() - early.at < FRESH_MS ? (early.promise as Promise<T>) : load();
}

/** The key of an operation with its variables. */
export const operationKey = <TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables): string =>
  `${op.document}\n${JSON.stringify(variables)}`;

/** Starts an operation early, for the page's useOperation(op, variables) with the same variables. */
export function startOperationEarly<TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables): void {
  startEarly(operationKey(op, variables), () => request(op, variables));
}
