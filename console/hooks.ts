import { useCallback, useEffect, useState } from 'react';
import { request, type Operation } from './api.js';
import { operationKey, startedOr } from './prefetch.js';

/** Where a request stands for a page. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Runs `op` with `variables` (again whenever they change, or on reload; the first time it takes the request started early, if any); `skip` holds it back. */
export function useOperation<TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables, skip = false): Loaded<TData> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: TData; error?: string; loading: boolean }>({ loading: !skip });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (skip) return;
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    const variables = JSON.parse(key) as TVariables;
    startedOr(operationKey(op, variables), () => request(op, variables)).then(
      (data) => {
        if (current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (current) setState({ error: error instanceof Error ? error.message : String(error), loading: false });
      },
    );
    return () => {
      current = false;
    };
  }, [op, key, skip, round]);
  const reload = useCallback(() => {
    setRound((n) => n + 1);
  }, []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
