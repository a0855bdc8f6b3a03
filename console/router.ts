import { useEffect, useState } from 'react';

/** The console's pages live under /console/; the hub serves the same page for each path. */
export const BASE = '/console';

let listeners: (() => void)[] = [];

/** Goes to a console path (e.g. /enterprise/9131...) without reloading; `replace` drops the current entry from history. */
export function navigate(path: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', `${BASE}${path}`);
  else window.history.pushState(null, '', `${BASE}${path}`);
  for (const listener of listeners) listener();
}

/** The current console path, e.g. /overview; re-renders on navigation and back/forward. */
export function usePath(): string {
  const read = () => window.location.pathname.slice(BASE.length) || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const update = () => {
      setPath(read());
    };
    listeners.push(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners = listeners.filter((l) => l !== update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}
