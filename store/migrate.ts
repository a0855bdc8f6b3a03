import { inspect } from 'node:util';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import type { HubDb } from './database.js';
import * as initial from './migrations/0001-initial.js';
import * as connectorRuns from './migrations/0002-connector-runs.js';
import * as accessAndAudit from './migrations/0003-access-and-audit.js';
import * as auditSubtrees from './migrations/0004-audit-subtrees.js';
import * as quarantineIdentity from './migrations/0005-quarantine-identity.js';
import * as subjectAuthority from './migrations/0006-subject-authority.js';
import * as auditPersonKey from './migrations/0007-audit-person-key.js';
import * as connectorRunDetail from './migrations/0008-connector-run-detail.js';
import * as creditGrades from './migrations/0009-credit-grades.js';
import * as inspectionDraws from './migrations/0010-inspection-draws.js';
import * as repairAndObjections from './migrations/0011-repair-and-objections.js';
import * as consoleUsers from './migrations/0013-console-users.js';
import * as drawRules from './migrations/0014-draw-rules.js';

/** Versioned migrations in the order they apply. Append only; never edit one that has shipped. */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-connector-runs': connectorRuns,
  '0003-access-and-audit': accessAndAudit,
  '0004-audit-subtrees': auditSubtrees,
  '0005-quarantine-identity': quarantineIdentity,
  '0006-subject-authority': subjectAuthority,
  '0007-audit-person-key': auditPersonKey,
  '0008-connector-run-detail': connectorRunDetail,
  '0009-credit-grades': creditGrades,
  '0010-inspection-draws': inspectionDraws,
  '0011-repair-and-objections': repairAndObjections,
  '0013-console-users': consoleUsers,
  '0014-draw-rules': drawRules,
};

function migrator(db: HubDb): Migrator {
  return new Migrator({ db, provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) } });
}

/**
 * Applies pending migrations. Kysely's migrator holds a PostgreSQL advisory lock while it runs,
 * so two hub processes starting at once apply each migration exactly once.
 * Throws with the failing migration's name when one fails; nothing of that migration remains.
 */
export async function migrateToLatest(db: HubDb): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : inspect(error)}`, { cause: error });
  }
  return appliedNames(results);
}

/** True when every known migration has been applied (readiness check). */
export async function isFullyMigrated(db: HubDb): Promise<boolean> {
  const migrations = await migrator(db).getMigrations();
  return migrations.every((m) => m.executedAt !== undefined);
}

function appliedNames(results: MigrationResultSet['results']): string[] {
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
