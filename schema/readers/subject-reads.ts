import DataLoader from 'dataloader';
import { countSubjectsByName, findSubjects, searchSubjectsByName, type SubjectPosition, type SubjectRow } from '../../store/subject-queries.js';
import { byKey, type Page, type ReadScope } from './read-scope.js';

/** Reading subjects (enterprises and other organisations by USCC); every subject returned is noted as read. */
export interface SubjectReads {
  /** One subject, or null when the hub holds nothing about it. Batched per request. */
  readonly subject: (uscc: string) => Promise<SubjectRow | null>;
  /** Subjects whose name contains `fragment`, by name then USCC. */
  readonly searchSubjects: (fragment: string, first: number, position: SubjectPosition | undefined) => Promise<Page<SubjectRow>>;
  readonly countSubjects: (fragment: string) => Promise<number>;
}

export function createSubjectReads(scope: ReadScope): SubjectReads {
  const { db } = scope;
  const subjects = new DataLoader<string, SubjectRow | null>(async (usccs) =>
    byKey(usccs, scope.noteSubjects(await findSubjects(db(), usccs)), (subject) => subject.uscc),
  );
  return {
    subject: (uscc) => subjects.load(uscc),
    searchSubjects: async (fragment, first, position) => {
      const page = await searchSubjectsByName(db(), fragment, first, position);
      scope.noteSubjects(page.rows);
      return page;
    },
    countSubjects: (fragment) => countSubjectsByName(db(), fragment),
  };
}
