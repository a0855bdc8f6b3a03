import {
  CREDIT_CLASSES,
  DRAW_ALGORITHM,
  byteOrder,
  inspectorPoolDigest,
  pickInspectors,
  populationDigest,
  sampleSize,
  subjectRankKey,
  type PoolInspector,
} from './draw-algorithm.js';

/** A class of a draw's commitment: how many subjects it had, its sampling ratio and its sample. */
export interface CommittedClass {
  readonly class: string;
  readonly population: number;
  readonly ratio: string;
  readonly sample: number;
}

export interface DrawTarget {
  readonly uscc: string;
  readonly class: string;
  /** Position in its class's ranking, 1 first. */
  readonly rank: number;
  /** Inspector ids in the order drawn. */
  readonly inspectors: readonly string[];
}

/** Everything a draw publishes, the input of a recomputation. */
export interface PublishedDraw {
  readonly algorithm: string;
  readonly seed: string;
  readonly population: readonly { readonly uscc: string; readonly class: string }[];
  readonly populationDigest: string;
  readonly classes: readonly CommittedClass[];
  readonly inspectorsPerTarget: number;
  readonly pool: readonly PoolInspector[];
  readonly poolDigest: string;
  readonly targets: readonly DrawTarget[];
}

type DrawInputs = Pick<PublishedDraw, 'seed' | 'population' | 'classes' | 'inspectorsPerTarget' | 'pool'>;

/**
 * The targets of a draw recomputed from its inputs alone (hash-rank-v1): per class, subjects ordered
 * by subjectRankKey (ties by USCC, which never happen in practice), the first `sample` taken; for each
 * target, `inspectorsPerTarget` inspectors by pickInspectors (fewer when conflicts leave fewer).
 * Ordered by class, then rank.
 */
export function computeDrawTargets(inputs: DrawInputs): DrawTarget[] {
  const sampleByClass = new Map(inputs.classes.map((c) => [c.class, c.sample]));
  const targets: DrawTarget[] = [];
  for (const cls of CREDIT_CLASSES) {
    const ranked = inputs.population
      .filter((subject) => subject.class === cls)
      .map((subject) => ({ uscc: subject.uscc, key: subjectRankKey(inputs.seed, subject.uscc) }))
      .sort((a, b) => byteOrder(a.key, b.key) || byteOrder(a.uscc, b.uscc));
    ranked.slice(0, sampleByClass.get(cls) ?? 0).forEach((subject, index) => {
      targets.push({
        uscc: subject.uscc,
        class: cls,
        rank: index + 1,
        inspectors: pickInspectors(inputs.seed, subject.uscc, inputs.pool, inputs.inspectorsPerTarget),
      });
    });
  }
  return targets;
}

/**
 * Recomputes a published draw and says what differs from what it states: the algorithm, the
 * population digest and per-class counts, each sample size (population × ratio rounded up), the pool
 * digest and every target with its inspectors. An empty list: the draw is what its inputs give.
 */
export function verifyDraw(draw: PublishedDraw): string[] {
  if (draw.algorithm !== DRAW_ALGORITHM) return [`algorithm ${draw.algorithm} is not ${DRAW_ALGORITHM}, the one this verifier knows`];
  const differences: string[] = [];
  const digest = populationDigest(draw.population.map((subject) => subject.uscc));
  if (digest !== draw.populationDigest) differences.push(`population digest: stated ${draw.populationDigest}, recomputed ${digest}`);
  for (const committed of draw.classes) {
    const population = draw.population.filter((subject) => subject.class === committed.class).length;
    if (population !== committed.population)
      differences.push(`class ${committed.class}: stated population ${committed.population}, the snapshot holds ${population}`);
    const sample = sampleSize(population, committed.ratio);
    if (sample !== committed.sample)
      differences.push(`class ${committed.class}: stated sample ${committed.sample}, ${population} × ${committed.ratio} rounded up is ${sample}`);
  }
  const poolDigest = inspectorPoolDigest(draw.pool);
  if (poolDigest !== draw.poolDigest) differences.push(`inspector pool digest: stated ${draw.poolDigest}, recomputed ${poolDigest}`);
  differences.push(...compareTargets(draw.targets, computeDrawTargets(draw)));
  return differences;
}

function describe(target: DrawTarget): string {
  return `class ${target.class} rank ${target.rank} inspectors [${target.inspectors.join(', ')}]`;
}

function compareTargets(stated: readonly DrawTarget[], recomputed: readonly DrawTarget[]): string[] {
  const statedBySubject = new Map(stated.map((target) => [target.uscc, target]));
  const recomputedBySubject = new Map(recomputed.map((target) => [target.uscc, target]));
  const differences: string[] = [];
  for (const target of recomputed) {
    const found = statedBySubject.get(target.uscc);
    if (!found) differences.push(`target ${target.uscc} (${describe(target)}) is missing from the stated targets`);
    else if (describe(found) !== describe(target)) differences.push(`target ${target.uscc}: stated ${describe(found)}, recomputed ${describe(target)}`);
  }
  for (const target of stated) {
    if (!recomputedBySubject.has(target.uscc)) differences.push(`target ${target.uscc} is stated but not drawn by the algorithm`);
  }
  return differences;
}
