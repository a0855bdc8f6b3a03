import type { CreditReport } from '../../credit/credit-report.js';
import { baseScoreOf, classLabelOf } from '../../credit/grade-explanation.js';
import { decideMeasure, explainRule, kindsLookedAt, measuresFor, type DecidingRule, type MeasureVerdict, type SubjectStanding } from '../../credit/measures.js';
import { supervisionOf } from '../../credit/supervision.js';
import { findModel, type CreditClass } from '../../credit/credit-model.js';
import { EvaluationRunningError } from '../../credit/model-governance.js';
import { inChinaTime } from '../../ingestion/dates.js';
import { checkUscc } from '../../ingestion/identifiers.js';
import { isProvinceCode, regionOf } from '../../ingestion/regions.js';
import type { StoredGrade } from '../../store/credit-read-queries.js';
import type { HubContext } from '../context.js';
import { badInput, ClientError, notFound } from '../errors.js';
import { decodeCursor, encodeCursor, isNumberTuple, pageSize, toPage } from '../pagination.js';
import { recordView } from '../record-view.js';
import type { AgencyReads, RecordReads, SubjectReads } from '../readers/index.js';
import type { PageArgs } from './records.js';

/** Records shown per contribution, reason or measure rule: the newest; `recordCount` says how many there are. */
export const MAX_LINKED_RECORDS = 10;
const CLASSES: readonly CreditClass[] = ['A', 'B', 'C', 'D'];
const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const AGENCY_CODE = /^[A-Z0-9][A-Z0-9_-]{1,39}$/;

/** Records an explanation points at, as far as the client may read them (its record grant): the newest, bounded. */
async function linkedRecords(records: RecordReads, ids: readonly number[]) {
  const newest = (await records.readableRecordIds(ids)).sort((a, b) => b - a).slice(0, MAX_LINKED_RECORDS);
  const rows = await Promise.all(newest.map((id) => records.record(id)));
  return rows.flatMap((row) => (row ? [recordView(row)] : []));
}

/** How many of the records an explanation counts the client may not read: a grade and its measures count them all. */
async function recordsOutsideGrant(records: RecordReads, ids: readonly number[]): Promise<number> {
  return ids.length - (await records.readableRecordIds(ids)).length;
}

/** The enterprise, or NOT_FOUND as `subject` answers (with a hint when its check digit is wrong). */
async function knownSubject(subjects: SubjectReads, uscc: string) {
  const subject = await subjects.subject(uscc);
  if (subject) return subject;
  const verdict = checkUscc(uscc);
  const hint = !verdict.ok && verdict.rule === 'USCC_CHECKSUM' ? ` (its ${verdict.message}: check for a typing error)` : '';
  throw notFound(`no records of subject ${uscc} are held by this hub${hint}`);
}

async function standingOf(context: HubContext, uscc: string): Promise<{ grade: StoredGrade | null; standing: SubjectStanding }> {
  const [grade, records] = await Promise.all([
    context.readers.credit.creditGrade(uscc),
    context.readers.credit.recordFactsInForce(uscc, kindsLookedAt(context.credit.measures)),
  ]);
  return { grade, standing: { grade: grade?.class ?? null, records } };
}

async function labelOf(context: HubContext, creditClass: CreditClass, version: string | null): Promise<string> {
  return classLabelOf(context.credit.models, creditClass, version, (await context.readers.credit.activeModelVersion()) ?? null);
}

function ruleView(rule: DecidingRule, verdict: MeasureVerdict) {
  return {
    role: rule.role,
    kind: rule.via === 'RECORD_KIND' ? rule.kind : null,
    penaltyTypes: rule.via === 'RECORD_KIND' ? rule.penaltyTypes : [],
    creditClass: rule.via === 'CREDIT_CLASS' ? rule.creditClass : rule.via === 'NONE' ? rule.grade : null,
    recordCount: rule.via === 'RECORD_KIND' ? rule.recordIds.length : 0,
    allRecordIds: rule.via === 'RECORD_KIND' ? rule.recordIds : [],
    explanation: explainRule(rule, verdict.measure),
  };
}
type RuleView = ReturnType<typeof ruleView>;

const appliedView = (verdict: MeasureVerdict) => ({ measure: verdict.measure, rules: verdict.triggers.map((hit) => ruleView(hit, verdict)) });

function evaluationView(grade: StoredGrade, label: string) {
  return {
    uscc: grade.subject_uscc,
    creditClass: grade.class,
    label,
    score: grade.score,
    base: baseScoreOf(
      grade.score,
      grade.contributions.map((c) => c.points),
    ),
    contributions: grade.contributions.map((c) => ({
      indicator: c.indicator,
      dimension: c.dimension,
      points: c.points,
      recordCount: c.records.length,
      allRecordIds: c.records,
    })),
    reasons: grade.reasons.map((r) => ({ code: r.code, points: r.points, recordCount: r.records.length, allRecordIds: r.records })),
    cappedBy: grade.capped_by,
    modelVersion: grade.model_version,
    evaluatedAt: grade.evaluated_at,
  };
}
type EvaluationView = ReturnType<typeof evaluationView>;

/** A model version argument: well formed and configured, else BAD_USER_INPUT naming it. */
function configuredVersion(context: HubContext, version: string): string {
  const shown = JSON.stringify(version.slice(0, 40));
  if (!MODEL_VERSION.test(version))
    throw badInput(`version ${shown} is not a model version (1-40 letters, digits, ., _ and -)`, { field: 'version', rule: 'FORMAT' });
  if (!findModel(context.credit.models, version)) {
    const known = context.credit.models.models.map((m) => m.version).join(', ');
    throw badInput(`version ${shown} is not a configured model version (configured: ${known})`, {
      field: 'version',
      rule: 'UNKNOWN_MODEL_VERSION',
      value: version,
    });
  }
  return version;
}

/** Runs the evaluation; while another runs, CONFLICT naming it (version, who asked, since when). */
async function evaluateOnce(context: HubContext, version: string) {
  try {
    return await context.credit.evaluateModel(version, context.access.principal.clientId);
  } catch (error) {
    if (!(error instanceof EvaluationRunningError)) throw error;
    const { running } = error;
    throw new ClientError('CONFLICT', error.message, {
      reason: 'EVALUATION_RUNNING',
      running: { version: running.version, requestedBy: running.requestedBy, startedAt: inChinaTime(running.startedAt) },
    });
  }
}

async function distributionFilter(agencies: AgencyReads, args: { region?: string | null; agencyCode?: string | null }) {
  const region = args.region ?? undefined;
  const agencyCode = args.agencyCode ?? undefined;
  if (region !== undefined && !isProvinceCode(region)) {
    throw badInput(`region ${JSON.stringify(region.slice(0, 20))} is not a province-level GB/T 2260 code such as 310000`, {
      field: 'region',
      rule: 'PROVINCE_CODE',
    });
  }
  if (agencyCode !== undefined && (!AGENCY_CODE.test(agencyCode) || !(await agencies.agency(agencyCode)))) {
    throw badInput(`agencyCode ${JSON.stringify(agencyCode.slice(0, 40))} is not an agency of this hub`, { field: 'agencyCode', rule: 'UNKNOWN_AGENCY' });
  }
  return { region, agencyCode };
}

export const creditResolvers = {
  Query: {
    evaluation: async (_: unknown, args: { uscc: string }, context: HubContext) => {
      // Read together (the active version is kept for labelOf): one round trip, not three.
      const [, grade] = await Promise.all([
        knownSubject(context.readers.subjects, args.uscc),
        context.readers.credit.creditGrade(args.uscc),
        context.readers.credit.activeModelVersion(),
      ]);
      return grade ? evaluationView(grade, await labelOf(context, grade.class, grade.model_version)) : null;
    },
    supervision: async (_: unknown, args: { uscc: string }, context: HubContext) => {
      await knownSubject(context.readers.subjects, args.uscc);
      const { grade, standing } = await standingOf(context, args.uscc);
      const policy = supervisionOf(context.credit.supervision, standing.grade);
      return {
        uscc: args.uscc,
        ...policy,
        label: await labelOf(context, policy.creditClass, grade?.model_version ?? null),
        measures: measuresFor(context.credit.measures, standing).map(appliedView),
      };
    },
    measuresFor: async (_: unknown, args: { uscc: string }, context: HubContext) => {
      await knownSubject(context.readers.subjects, args.uscc);
      const { standing } = await standingOf(context, args.uscc);
      return measuresFor(context.credit.measures, standing).map(appliedView);
    },
    checkMeasure: async (_: unknown, args: { uscc: string; measure: string }, context: HubContext) => {
      const code = args.measure.trim();
      const measure = context.credit.measures.find((m) => m.code === code);
      if (!measure) {
        const known = context.credit.measures.map((m) => m.code).join(', ');
        throw badInput(`measure ${JSON.stringify(code.slice(0, 40))} is not in the measures catalogue (known: ${known})`, {
          field: 'measure',
          rule: 'UNKNOWN_MEASURE',
        });
      }
      await knownSubject(context.readers.subjects, args.uscc);
      const { standing } = await standingOf(context, args.uscc);
      const verdict = decideMeasure(measure, standing);
      return { uscc: args.uscc, measure, applies: verdict.applies, decidingRule: ruleView(verdict.decidingRule, verdict) };
    },
    gradeDistribution: async (_: unknown, args: { region?: string | null; agencyCode?: string | null }, context: HubContext) => {
      const filter = await distributionFilter(context.readers.agencies, args);
      const counts = new Map((await context.readers.credit.gradeDistribution(filter)).map((row) => [row.class, row.n]));
      const classes = await Promise.all(
        CLASSES.map(async (creditClass) => ({ creditClass, label: await labelOf(context, creditClass, null), count: counts.get(creditClass) ?? 0 })),
      );
      return {
        region: filter.region ? regionOf(filter.region) : null,
        agencyCode: filter.agencyCode ?? null,
        total: classes.reduce((sum, c) => sum + c.count, 0),
        classes,
      };
    },
    evaluateModel: async (_: unknown, args: { version: string }, context: HubContext) => {
      const version = configuredVersion(context, args.version);
      const result = await evaluateOnce(context, version);
      const counts = (byClass: Readonly<Record<CreditClass, number>>, labelVersion: string | null) =>
        CLASSES.map((creditClass) => ({
          creditClass,
          label: classLabelOf(context.credit.models, creditClass, labelVersion, version),
          count: byClass[creditClass],
        }));
      return {
        activeVersion: result.currentVersion,
        candidateVersion: result.candidateVersion,
        population: result.population,
        ungraded: result.ungraded,
        active: counts(result.current, result.currentVersion),
        candidate: counts(result.candidate, version),
        transitions: result.transitions,
        populationStabilityIndex: result.psi,
      };
    },
  },
  Mutation: {
    activateCreditModel: async (_: unknown, args: { version: string }, context: HubContext) => {
      const version = configuredVersion(context, args.version);
      const activatedBy = context.access.principal.clientId;
      const activation = await context.access.trail.recordWrite(context.ingestion.db, 'mutation activateCreditModel', (trx) =>
        context.credit.activateModel(trx, version, activatedBy),
      );
      return { ...activation, activatedBy };
    },
  },
  Evaluation: {
    history: async (evaluation: EvaluationView, args: PageArgs, { readers }: HubContext) => {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, isNumberTuple);
      const page = await readers.credit.gradeHistory(evaluation.uscc, first, after?.[0]);
      const connection = toPage(page.rows, page.hasMore, (row) => encodeCursor([row.id]));
      return {
        edges: connection.edges.map(({ cursor, node }) => ({
          cursor,
          node: {
            creditClass: node.class,
            score: node.score,
            previousClass: node.previous_class,
            previousScore: node.previous_score,
            cause: node.cause,
            modelVersion: node.model_version,
            evaluatedAt: node.evaluated_at,
          },
        })),
        pageInfo: connection.pageInfo,
      };
    },
  },
  CreditReport: {
    grade: async (report: CreditReport, _: unknown, context: HubContext) =>
      report.grade ? { ...report.grade, label: await labelOf(context, report.grade.creditClass, report.grade.modelVersion) } : null,
  },
  GradeContribution: {
    records: (item: { allRecordIds: readonly number[] }, _: unknown, { readers }: HubContext) => linkedRecords(readers.records, item.allRecordIds),
    recordsOutsideGrant: (item: { allRecordIds: readonly number[] }, _: unknown, { readers }: HubContext) =>
      recordsOutsideGrant(readers.records, item.allRecordIds),
  },
  GradeReason: {
    records: (item: { allRecordIds: readonly number[] }, _: unknown, { readers }: HubContext) => linkedRecords(readers.records, item.allRecordIds),
    recordsOutsideGrant: (item: { allRecordIds: readonly number[] }, _: unknown, { readers }: HubContext) =>
      recordsOutsideGrant(readers.records, item.allRecordIds),
  },
  MeasureRule: {
    recordIds: async (rule: RuleView, _: unknown, { readers }: HubContext) => (await linkedRecords(readers.records, rule.allRecordIds)).map((r) => r.id),
    records: (rule: RuleView, _: unknown, { readers }: HubContext) => linkedRecords(readers.records, rule.allRecordIds),
    recordsOutsideGrant: (rule: RuleView, _: unknown, { readers }: HubContext) => recordsOutsideGrant(readers.records, rule.allRecordIds),
  },
};
