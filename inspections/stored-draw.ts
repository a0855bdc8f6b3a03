import { NotFoundError } from '../ingestion/errors.js';
import { findDraw, listTargets, readWholePopulation } from '../store/draw-queries.js';
import type { HubDb } from '../store/database.js';
import type { PublishedDraw } from './verify-draw.js';

/** A stored, executed draw in the form verifyDraw takes. Throws NotFoundError for an unknown or not yet executed draw. */
export async function loadPublishedDraw(db: HubDb, id: string): Promise<PublishedDraw> {
  const draw = await findDraw(db, id);
  if (!draw) throw new NotFoundError(`no inspection draw ${JSON.stringify(id.slice(0, 40))}`);
  if (draw.seed === null) throw new NotFoundError(`inspection draw ${draw.id} is committed but not executed yet: no seed to verify with`);
  return {
    algorithm: draw.algorithm,
    seed: draw.seed,
    population: await readWholePopulation(db, draw.id),
    populationDigest: draw.population_digest,
    classes: draw.classes,
    inspectorsPerTarget: draw.inspectors_per_target,
    pool: draw.inspector_pool,
    poolDigest: draw.inspector_pool_digest,
    targets: await listTargets(db, draw.id, undefined, undefined),
  };
}
