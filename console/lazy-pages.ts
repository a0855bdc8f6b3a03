import { lazy } from 'react';

/**
 * Each page's module: a chunk of its own in the build, fetched the first time it is needed (the browser
 * keeps a module once loaded, so asking again costs nothing). The charting pages bring ECharts with them.
 */
const chunks = {
  overview: () => import('./pages/overview.js'),
  agency: () => import('./pages/agency.js'),
  enterprise: () => import('./pages/enterprise.js'),
  access: () => import('./pages/access.js'),
  nextSteps: () => import('./pages/next-steps.js'),
};

const chunkOfPath: Record<string, () => Promise<unknown>> = {
  agency: chunks.agency,
  enterprise: chunks.enterprise,
  access: chunks.access,
  grades: chunks.nextSteps,
  draws: chunks.nextSteps,
  repairs: chunks.nextSteps,
};

/** Starts fetching the chunk of the page at `path` (e.g. /enterprise/9131…), so it arrives while sign-in is still under way. */
export function preloadPage(path: string): void {
  const load = chunkOfPath[path.split('/')[1] ?? ''] ?? chunks.overview;
  // A failure shows when the page renders (React.lazy loads it again and reports it there).
  load().catch(() => undefined);
}

export const OverviewPage = lazy(() => chunks.overview().then((m) => ({ default: m.OverviewPage })));
export const AgencyPage = lazy(() => chunks.agency().then((m) => ({ default: m.AgencyPage })));
export const EnterpriseSearchPage = lazy(() => chunks.enterprise().then((m) => ({ default: m.EnterpriseSearchPage })));
export const EnterpriseProfilePage = lazy(() => chunks.enterprise().then((m) => ({ default: m.EnterpriseProfilePage })));
export const AccessPage = lazy(() => chunks.access().then((m) => ({ default: m.AccessPage })));
export const GradesPage = lazy(() => chunks.nextSteps().then((m) => ({ default: m.GradesPage })));
export const DrawsPage = lazy(() => chunks.nextSteps().then((m) => ({ default: m.DrawsPage })));
export const RepairsPage = lazy(() => chunks.nextSteps().then((m) => ({ default: m.RepairsPage })));
