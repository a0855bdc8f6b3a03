import { drawnByAgency } from '../store/draw-rules-queries.js';
import type { HubDb } from '../store/database.js';
import type { Rejection, ValidatedRecord } from './validate-record.js';

/**
 * Why INSPECTION records naming a 双随机 draw in JC_CCBH may not claim it (rule DRAW_MISMATCH), by
 * position in `records`: the draw must be an executed draw of the submitting agency that drew the
 * record's subject. Otherwise any agency could publish results under another agency's draw.
 */
export async function drawReferenceRejections(db: HubDb, agencyCode: string, records: readonly ValidatedRecord[]): Promise<Map<number, Rejection>> {
  const claims = records.flatMap((record, index) => {
    const drawId = record.kind === 'INSPECTION' ? record.fields['JC_CCBH'] : undefined;
    return typeof drawId === 'string' && drawId !== '' ? [{ index, drawId, uscc: record.subjectUscc ?? '' }] : [];
  });
  const held = await drawnByAgency(
    db,
    agencyCode,
    claims.filter((claim) => claim.uscc !== ''),
  );
  const rejections = new Map<number, Rejection>();
  for (const { index, drawId } of claims.filter((claim) => !held.has(`${claim.drawId}\n${claim.uscc}`))) {
    const message = `JC_CCBH names draw ${drawId.slice(0, 64)}, which is no executed draw of agency ${agencyCode} that drew this record's subject`;
    rejections.set(index, { field: 'JC_CCBH', rule: 'DRAW_MISMATCH', value: drawId, message });
  }
  return rejections;
}
