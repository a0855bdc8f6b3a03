import { AGENCIES, AUDIT_HEAD, RECORD_STATISTICS, type Me } from './operations.js';
import { AGENCY_STATES_KEY, loadAgencyStates } from './overview-data.js';
import { startEarly, startOperationEarly } from './prefetch.js';

/**
 * Starts the first requests of the page at `path` (as the page itself will ask for them) while `me`, the
 * signed-in person, is still on its way: what does not depend on who they are leaves at once, the rest
 * as soon as `me` arrives, all before the page renders.
 */
export function startPageRequests(path: string, me: Promise<Me>): void {
  switch (path.split('/')[1]) {
    case 'agency':
      startOperationEarly(AGENCIES, {});
      return;
    case 'enterprise':
    case 'access':
    case 'grades':
    case 'draws':
    case 'repairs':
      return;
    default:
      startOperationEarly(RECORD_STATISTICS, {});
      startEarly(AGENCY_STATES_KEY, () => loadAgencyStates(me));
      me.then(
        (who) => {
          if (who.type === 'ADMIN') startOperationEarly(AUDIT_HEAD, {});
        },
        () => undefined,
      );
  }
}
