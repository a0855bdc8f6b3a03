import { countsOf, prepareBatch, writePreparedBatch } from '../../ingestion/ingest-batch.js';
import { requireValue } from '../../ingestion/require-value.js';
import type { Rejection } from '../../ingestion/validate-record.js';
import type { HubContext } from '../context.js';
import { badInput } from '../errors.js';

/** A pushed batch is answered record by record, so it stays smaller than a connector's. */
const MAX_SUBMITTED_RECORDS = 1000;

interface SubmittedRecordInput {
  kind: string;
  sourceRecordId?: string | null;
  fields: Record<string, unknown>;
}

export const submissionResolvers = {
  Mutation: {
    submitRecords: async (_: unknown, args: { agencyCode: string; records: SubmittedRecordInput[] }, { ingestion, access }: HubContext) => {
      if (args.records.length === 0 || args.records.length > MAX_SUBMITTED_RECORDS) {
        throw badInput(`records must hold 1 to ${MAX_SUBMITTED_RECORDS} records (got ${args.records.length})`, { field: 'records', rule: 'BATCH_SIZE' });
      }
      const records = args.records.map((r) => ({ kind: r.kind, sourceRecordId: r.sourceRecordId ?? undefined, fields: r.fields }));
      const batch = await prepareBatch(ingestion, { agencyCode: args.agencyCode, source: `push:${access.principal.clientId}`, records });
      for (const record of batch.valid) access.trail.noteSubject(record.subjectUscc);
      const audit = access.trail.inTransaction('mutation submitRecords');
      const result = await writePreparedBatch(ingestion, batch, audit.hook);
      audit.confirm();

      const rejected = new Map(batch.rejectedIndexes.map((inputIndex, i) => [inputIndex, requireValue(batch.quarantined[i], `quarantined record ${i}`)]));
      let validIndex = 0;
      const results = records.map((record, index) => {
        const refusal = rejected.get(index);
        if (refusal) return { index, sourceRecordId: record.sourceRecordId ?? null, outcome: 'REJECTED', reasons: refusal.reasons as Rejection[] };
        const k = validIndex++;
        return {
          index,
          sourceRecordId: requireValue(batch.valid[k], `valid record ${k}`).sourceRecordId,
          outcome: requireValue(result.outcomes[k], `outcome of valid record ${k}`),
          reasons: [],
        };
      });
      const counts = countsOf(result);
      return { ...counts, batchId: String(counts.batchId), results };
    },
  },
};
