import { createHash } from 'node:crypto';
import { exclusionPeriod, inspectorPoolDigest, populationDigest, sampleSize, subjectRankKey } from '../../inspections/draw-algorithm.js';
import { computeDrawTargets, verifyDraw, type PublishedDraw } from '../../inspections/verify-draw.js';
import { enterpriseUscc } from '../support/records.js';

const POPULATION = Array.from({ length: 200 }, (_, i) => ({ uscc: enterpriseUscc('310115', i + 1), class: ['A', 'B', 'C', 'D'][i % 4] ?? 'B' }));
const CLASSES = ['A', 'B', 'C', 'D'].map((cls, i) => ({
  class: cls,
  population: 50,
  ratio: ['0.01', '0.02', '0.10', '0.30'][i] ?? '0',
  sample: [1, 1, 5, 15][i] ?? 0,
}));
const POOL = [
  { id: 'P3', name: '丙', agency: 'SH-SAMR', conflicts: [] },
  { id: 'P1', name: '甲', agency: 'SH-SAMR', conflicts: POPULATION.slice(0, 100).map((s) => s.uscc) },
  { id: 'P2', name: '乙', agency: 'SH-SAMR', conflicts: [] },
];

function draw(seed: string): PublishedDraw {
  const inputs = { seed, population: POPULATION, classes: CLASSES, inspectorsPerTarget: 2, pool: POOL };
  return {
    ...inputs,
    algorithm: 'hash-rank-v1',
    populationDigest: populationDigest(POPULATION.map((s) => s.uscc)),
    poolDigest: inspectorPoolDigest(POOL),
    targets: computeDrawTargets(inputs),
  };
}

describe('hash-rank-v1', () => {
  test('sample sizes: population × ratio rounded up, exactly, never above the population', () => {
    expect(sampleSize(0, '0.30')).toBe(0);
    expect(sampleSize(1, '0.01')).toBe(1);
    expect(sampleSize(100, '0.01')).toBe(1);
    expect(sampleSize(101, '0.01')).toBe(2);
    expect(sampleSize(1_000_000, '0.02')).toBe(20_000);
    expect(sampleSize(333_333, '0.3')).toBe(100_000);
    expect(sampleSize(7, '1')).toBe(7);
    expect(sampleSize(7, '0')).toBe(0);
  });

  test('the digest is SHA-256 hex of the USCCs in byte order joined by a newline, whatever order they come in', () => {
    const usccs = ['91310115000000002X', '913101150000000010'];
    const expected = createHash('sha256').update('913101150000000010\n91310115000000002X').digest('hex');
    expect(populationDigest(usccs)).toBe(expected);
    expect(populationDigest([...usccs].reverse())).toBe(expected);
    expect(subjectRankKey('s', '913101150000000010')).toBe(createHash('sha256').update('s\n913101150000000010').digest('hex'));
  });

  test('the pool digest does not depend on the configured order', () => {
    expect(inspectorPoolDigest([...POOL].reverse())).toBe(inspectorPoolDigest(POOL));
  });

  test('exclusion periods are calendar periods in China time', () => {
    expect(exclusionPeriod('2024-06-01', 'YEAR')).toEqual({ start: '2024-01-01', end: '2024-12-31' });
    expect(exclusionPeriod('2024-06-30', 'HALF_YEAR')).toEqual({ start: '2024-01-01', end: '2024-06-30' });
    expect(exclusionPeriod('2024-08-15', 'QUARTER')).toEqual({ start: '2024-07-01', end: '2024-09-30' });
    expect(exclusionPeriod('2024-02-10', 'QUARTER')).toEqual({ start: '2024-01-01', end: '2024-03-31' });
  });

  test('reproducible: the same inputs draw the same targets; another seed draws others', () => {
    const once = draw('seed-1').targets;
    expect(draw('seed-1').targets).toEqual(once);
    expect(once).toHaveLength(22);
    expect(draw('seed-2').targets.map((t) => t.uscc)).not.toEqual(once.map((t) => t.uscc));
  });

  test('conflicts are skipped: an inspector never goes to a subject it is in conflict with', () => {
    for (const target of draw('seed-3').targets) {
      expect(target.inspectors).toHaveLength(2);
      if (POOL[1]?.conflicts.includes(target.uscc)) expect(target.inspectors).not.toContain('P1');
    }
  });

  test('verification passes on an honest draw and names each thing a tampered one changed', () => {
    const honest = draw('seed-4');
    expect(verifyDraw(honest)).toEqual([]);
    const [first, ...rest] = honest.targets;
    if (!first) throw new Error('no target');
    const swapped = { ...first, uscc: POPULATION.find((s) => s.class === first.class && !honest.targets.some((t) => t.uscc === s.uscc))?.uscc ?? '' };
    const tampered = verifyDraw({
      ...honest,
      targets: [swapped, ...rest],
      populationDigest: '00',
      classes: CLASSES.map((c) => ({ ...c, sample: c.sample + 1 })),
    });
    expect(tampered).toEqual(
      expect.arrayContaining([
        expect.stringContaining('population digest: stated 00'),
        expect.stringContaining('class A: stated sample 2, 50 × 0.01 rounded up is 1'),
        expect.stringContaining(`target ${first.uscc} (class ${first.class} rank 1`),
        `target ${swapped.uscc} is stated but not drawn by the algorithm`,
      ]),
    );
    expect(verifyDraw({ ...honest, algorithm: 'other' })).toEqual(['algorithm other is not hash-rank-v1, the one this verifier knows']);
  });
});
