import { describe, expect, test } from '@jest/globals';
import { createOrderedWriter, emptyTotals } from '../../connectors/types.js';
import type { IngestCounts, PreparedBatch } from '../../ingestion/ingest-batch.js';

const batch = (source: string): PreparedBatch => ({
  agencyCode: 'A',
  source,
  startedAt: new Date(),
  received: 1,
  valid: [],
  quarantined: [],
  rejectedIndexes: [],
});
const counts = (batchId: number): IngestCounts => ({ batchId, received: 1, inserted: 1, updated: 0, unchanged: 0, rejected: 0 });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('createOrderedWriter', () => {
  test('writes in submission order, one at a time, and lets the caller work while a write runs', async () => {
    const events: string[] = [];
    let running = 0;
    const totals = emptyTotals();
    const writer = createOrderedWriter(async (b) => {
      running += 1;
      expect(running).toBe(1);
      events.push(`start ${b.source}`);
      await tick();
      events.push(`end ${b.source}`);
      running -= 1;
      return counts(Number(b.source));
    }, totals);
    await writer.submit(batch('1'));
    events.push('caller prepares 2');
    await writer.submit(batch('2'));
    await writer.submit(batch('3'));
    await writer.drain();
    expect(events).toEqual(['start 1', 'caller prepares 2', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(totals).toMatchObject({ batches: 3, inserted: 3 });
  });

  test('a failed write surfaces at the next submit, and nothing after it is written', async () => {
    const written: string[] = [];
    const writer = createOrderedWriter(async (b) => {
      await tick();
      if (b.source === 'bad') throw new Error('connection lost');
      written.push(b.source);
      return counts(1);
    }, emptyTotals());
    await writer.submit(batch('ok'));
    await writer.submit(batch('bad'));
    await expect(writer.submit(batch('after'))).rejects.toThrow('connection lost');
    expect(written).toEqual(['ok']);
  });
});
