import { checkUscc } from '../../ingestion/identifiers.js';
import { regionOf } from '../../ingestion/regions.js';
import type { SubjectRow } from '../../store/subject-queries.js';
import type { HubContext } from '../context.js';
import { badInput, notFound } from '../errors.js';
import { decodeCursor, encodeCursor, isStringPair, pageSize, toConnection } from '../pagination.js';
import { subjectCategoryEnum } from '../record-view.js';
import { toRecordFilter, type RecordFilterInput } from './filters.js';
import { recordConnection, recordPosition, type PageArgs } from './records.js';

const MIN_FRAGMENT = 2;
const MAX_FRAGMENT = 100;

export const subjectResolvers = {
  Query: {
    subject: async (_: unknown, args: { uscc: string }, { readers }: HubContext) => {
      const subject = await readers.subjects.subject(args.uscc);
      if (subject) return subject;
      const verdict = checkUscc(args.uscc);
      const hint = !verdict.ok && verdict.rule === 'USCC_CHECKSUM' ? ` (its ${verdict.message}: check for a typing error)` : '';
      throw notFound(`no records of subject ${args.uscc} are held by this hub${hint}`);
    },
    subjects: async (_: unknown, args: PageArgs & { nameContains: string }, { readers }: HubContext) => {
      const fragment = args.nameContains.trim();
      if (Array.from(fragment).length < MIN_FRAGMENT || fragment.length > MAX_FRAGMENT) {
        throw badInput(`nameContains must be ${MIN_FRAGMENT} to ${MAX_FRAGMENT} characters`, { field: 'nameContains', rule: 'LENGTH' });
      }
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, isStringPair);
      const page = await readers.subjects.searchSubjects(fragment, first, after ? { name: after[0], uscc: after[1] } : undefined);
      return toConnection(
        page.rows,
        page.hasMore,
        (s) => encodeCursor([s.name, s.uscc]),
        () => readers.subjects.countSubjects(fragment),
      );
    },
  },
  Subject: {
    category: (subject: SubjectRow) => subjectCategoryEnum(subject.category),
    divisionCode: (subject: SubjectRow) => subject.division_code,
    region: (subject: SubjectRow) => regionOf(subject.region),
    records: async (subject: SubjectRow, args: PageArgs & { filter?: RecordFilterInput | null }, { readers }: HubContext) => {
      const filter = toRecordFilter(args.filter);
      const first = pageSize(args.first);
      const page = await readers.records.recordsOfSubject(subject.uscc, filter, first, recordPosition(args.after));
      return recordConnection(page.rows, page.hasMore, () => readers.records.countRecordsOfSubject(subject.uscc, filter));
    },
  },
};
