import { NotFoundError } from '../ingestion/errors.js';
import { loadPublishedDraw } from '../inspections/stored-draw.js';
import { verifyDraw } from '../inspections/verify-draw.js';
import type { HubDb } from '../store/database.js';

/**
 * `draw verify <id>`: recomputes a stored, executed draw from its frozen population, seed, algorithm,
 * sample sizes and inspector pool (in TypeScript, apart from the SQL that made it) and writes OK or
 * each difference. Returns the exit code: 0 the draw is what its inputs give, 1 it differs or cannot
 * be verified (unknown or not executed).
 */
export async function verifyDrawCommand(db: HubDb, id: string, write: (line: string) => void): Promise<number> {
  try {
    const draw = await loadPublishedDraw(db, id);
    const differences = verifyDraw(draw);
    if (differences.length === 0) {
      write(
        `OK: draw ${id} recomputed (${draw.algorithm}, ${draw.population.length} subjects, ${draw.targets.length} targets, population digest ${draw.populationDigest})`,
      );
      return 0;
    }
    write(`DRAW ${id} DIFFERS from what its inputs give (${differences.length} differences):`);
    differences.forEach((difference) => {
      write(`  ${difference}`);
    });
    return 1;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    write(error.message);
    return 1;
  }
}
