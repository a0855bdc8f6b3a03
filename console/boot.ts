/**
 * The page's first module, small and loaded beside the app's: it starts signing in (and the first
 * page's requests) at once, so they travel while the app's code is still loading. A failure is shown
 * by the app, which asks for the same answer.
 */
import { startSession } from './session-start.js';

startSession().catch(() => undefined);
