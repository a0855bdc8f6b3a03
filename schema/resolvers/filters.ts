import type { RecordFilter } from '../../store/record-queries.js';
import { badInput } from '../errors.js';

/** The RecordFilter input as GraphQL delivers it. */
export interface RecordFilterInput {
  kinds?: string[] | null;
  agencyCodes?: string[] | null;
  regions?: string[] | null;
  statuses?: string[] | null;
  from?: string | null;
  to?: string | null;
}

const MAX_VALUES_PER_CRITERION = 50;

export function toRecordFilter(input: RecordFilterInput | null | undefined): RecordFilter {
  if (!input) return {};
  for (const [name, values] of Object.entries({ kinds: input.kinds, agencyCodes: input.agencyCodes, regions: input.regions, statuses: input.statuses })) {
    if (values && values.length > MAX_VALUES_PER_CRITERION) {
      throw badInput(`filter.${name} takes at most ${MAX_VALUES_PER_CRITERION} values (got ${values.length})`, { field: `filter.${name}`, rule: 'MAX_ITEMS' });
    }
  }
  if (input.from && input.to && input.from > input.to) {
    throw badInput(`filter.from (${input.from}) is after filter.to (${input.to})`, { field: 'filter.from', rule: 'DATE_ORDER' });
  }
  return {
    kinds: input.kinds ?? undefined,
    agencyCodes: input.agencyCodes ?? undefined,
    originRegions: input.regions ?? undefined,
    statuses: input.statuses ?? undefined,
    eventDateFrom: input.from ?? undefined,
    eventDateTo: input.to ?? undefined,
  };
}
