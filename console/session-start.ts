import { currentSession, request, signIn, type SignedIn } from './api.js';
import { startPageRequests } from './early-requests.js';
import { ME, type Me } from './operations.js';
import { BASE, navigate } from './router.js';

/** Where the person stands: being checked, signed out (with the reason when sign-in failed), or signed in. */
export type Signed = { state: 'checking' } | { state: 'out'; problem?: string } | { state: 'in'; session: SignedIn; me: Me };

/** The sign-in link is /console/sign-in#invite=<token>: the token never reaches a server log or a Referer. */
function inviteInLink(): string | undefined {
  const match = /^#invite=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  return match?.[1];
}

async function signInOrResume(): Promise<Signed> {
  const invite = inviteInLink();
  const session = invite ? await signIn(invite) : await currentSession();
  // The spent token leaves the address bar and the history.
  if (invite) navigate('/overview', true);
  if (!session) return { state: 'out' };
  const me = request(ME, {}).then((answer) => answer.me);
  startPageRequests(window.location.pathname.slice(BASE.length), me);
  return { state: 'in', session, me: await me };
}

let started: Promise<Signed> | undefined;

/**
 * Signs in with the link's invite (or resumes the session), then asks who is signed in and starts the
 * first page's requests. The first call starts it (boot.ts, before the app's code has even loaded); every
 * later call gets the same answer. Rejects with the hub's error when sign-in fails.
 */
export function startSession(): Promise<Signed> {
  started ??= signInOrResume();
  return started;
}
