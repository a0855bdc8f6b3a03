import { holdsScope, isAdmin, type Principal } from '../../access/clients.js';
import { cancelInspectionDraw } from '../../inspections/cancel-draw.js';
import { commitInspectionDraw } from '../../inspections/commit-draw.js';
import { DrawInputError, NotDrawOwnerError, SeedByOperatorError } from '../../inspections/draw-errors.js';
import type { DrawRequest } from '../../inspections/draw-input.js';
import { executeInspectionDraw } from '../../inspections/execute-draw.js';
import { listTargetsByUscc } from '../../store/draw-rules-queries.js';
import {
  countDraws,
  countTargets,
  findDraw,
  listDraws,
  listDrawResults,
  listPopulation,
  listTargets,
  type DrawRow,
  type DrawResultRow,
} from '../../store/draw-queries.js';
import type { HubDb } from '../../store/database.js';
import type { HubContext } from '../context.js';
import { badInput, forbidden } from '../errors.js';
import { decodeCursor, encodeCursor, pageSize, toConnection, toPage } from '../pagination.js';
import type { PageArgs } from './records.js';

const DRAW_ID = /^SJCC-\d{4}-\d{6,10}$/;
const USCC_SHAPE = /^[0-9A-Z]{18}$/;
const MAX_POPULATION_PAGE = 1000;
/** Results shown per target (DrawTarget.results); bounded for pricing. */
export const MAX_RESULTS_PER_TARGET = 5;

function drawId(id: string): string {
  if (!DRAW_ID.test(id))
    throw badInput(`id ${JSON.stringify(id.slice(0, 40))} is not an inspection draw id (SJCC-<year>-<number>)`, { field: 'id', rule: 'DRAW_ID' });
  return id;
}

const isDrawCursor = (v: unknown): v is [string, string] =>
  Array.isArray(v) &&
  v.length === 2 &&
  typeof v[0] === 'string' &&
  !Number.isNaN(Date.parse(v[0])) &&
  /^\d{4}-\d{2}-\d{2}T/.test(v[0]) &&
  typeof v[1] === 'string' &&
  DRAW_ID.test(v[1]);
const isPopulationCursor = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && /^[A-D]$/.test(v[0]) && typeof v[1] === 'string' && USCC_SHAPE.test(v[1]);
const isTargetCursor = (v: unknown): v is [string, number] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && /^[A-D]$/.test(v[0]) && Number.isSafeInteger(v[1]) && (v[1] as number) >= 0;

const isPublicTargetCursor = (v: unknown): v is [string] => Array.isArray(v) && v.length === 1 && typeof v[0] === 'string' && USCC_SHAPE.test(v[0]);

/**
 * Who may see subjects' credit classes through draws (the population and each target's class and
 * rank): agencies (inspections:draw or credit:read) and admins. Everyone else sees targets without
 * them, in an order that does not reveal them either.
 */
const readsClasses = (principal: Principal): boolean => holdsScope(principal, 'inspections:draw') || holdsScope(principal, 'credit:read');

/** A draw domain refusal as the client sees it: field and rule in extensions, or FORBIDDEN with its reason (audited). */
function asClientError(error: unknown, context: HubContext): unknown {
  if (error instanceof DrawInputError) return badInput(error.message, { field: error.field, rule: error.rule });
  const reason = error instanceof NotDrawOwnerError ? 'NOT_OWN_AGENCY' : error instanceof SeedByOperatorError ? 'SEED_BY_OPERATOR' : undefined;
  if (!reason || !(error instanceof Error)) return error;
  context.access.trail.noteDenial(reason);
  return forbidden(reason, error.message);
}

const executorOf = ({ principal }: HubContext['access']) => ({
  clientId: principal.clientId,
  agencyCode: principal.agencyCode ?? undefined,
  isAdmin: isAdmin(principal),
});

const readDb = ({ inspections, access }: HubContext): HubDb => (access.lane.heavy ? inspections.reads.heavy : inspections.reads.standard);

interface DrawParent {
  readonly row: DrawRow;
}

function drawView(row: DrawRow, context: HubContext): DrawParent & Record<string, unknown> {
  context.access.trail.noteReturned(`inspectionDraw:${row.id}`);
  return {
    row,
    id: row.id,
    agencyCode: row.agency_code,
    regions: row.regions,
    kinds: row.filters.kinds,
    agencies: row.filters.agencies,
    algorithm: row.algorithm,
    populationSize: row.population_size,
    populationDigest: row.population_digest,
    classes: row.classes.map((c) => ({ creditClass: c.class, population: c.population, ratio: c.ratio, sample: c.sample })),
    inspectorsPerTarget: row.inspectors_per_target,
    inspectorPool: row.inspector_pool.map(({ id, name, agency }) => ({ id, name, agency })),
    inspectorPoolDigest: row.inspector_pool_digest,
    randomnessReference: row.randomness_reference,
    randomnessSource:
      row.randomness_source.kind === 'DRAND_QUICKNET'
        ? { kind: row.randomness_source.kind, drandRound: row.randomness_source.round, roundTime: new Date(row.randomness_source.roundTime) }
        : { kind: row.randomness_source.kind, drandRound: null, roundTime: null },
    status: row.cancelled_at ? 'CANCELLED' : row.executed_at ? 'EXECUTED' : 'COMMITTED',
    cancelledAt: row.cancelled_at,
    cancelReason: row.cancel_reason,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    committedAt: row.committed_at,
    seed: row.seed,
    executedAt: row.executed_at,
  };
}

function resultView(row: DrawResultRow) {
  const text = (code: string) => {
    const value = row.fields[code];
    return Array.isArray(value) ? value.join(';') : (value ?? '');
  };
  return { recordId: row.id, status: row.status, inspectedOn: row.event_date, result: text('JC_JCJG'), authority: text('JC_JGMC'), taskNo: text('JC_RWBH') };
}

export const inspectionResolvers = {
  Query: {
    inspectionDraw: async (_: unknown, args: { id: string }, context: HubContext) => {
      const row = await findDraw(readDb(context), drawId(args.id));
      return row ? drawView(row, context) : null;
    },
    inspectionDraws: async (_: unknown, args: PageArgs & { agencyCode?: string | null }, context: HubContext) => {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, isDrawCursor);
      const agency = args.agencyCode ?? undefined;
      const rows = await listDraws(readDb(context), agency, first, after ? { committedAt: after[0], id: after[1] } : undefined);
      const views = rows.slice(0, first).map((row) => drawView(row, context));
      return toConnection(
        views,
        rows.length > first,
        (v) => encodeCursor([v.row.committed_at.toISOString(), v.row.id]),
        () => countDraws(readDb(context), agency),
      );
    },
  },
  Mutation: {
    commitInspectionDraw: async (_: unknown, args: { agencyCode: string; input: DrawRequest }, context: HubContext) => {
      const { access, inspections } = context;
      const audit = access.trail.inTransaction('mutation commitInspectionDraw');
      // A commitment notes no subjects (its population may be a million): what it froze is the draw, noted by id.
      const row = await commitInspectionDraw(inspections, args.agencyCode, args.input, access.principal.clientId, audit.hook).catch((error: unknown) => {
        throw asClientError(error, context);
      });
      audit.confirm();
      return drawView(row, context);
    },
    executeInspectionDraw: async (_: unknown, args: { id: string; seed: string }, context: HubContext) => {
      const { access, inspections } = context;
      const id = drawId(args.id);
      access.trail.noteReturned(`inspectionDraw:${id}`);
      const audit = access.trail.inTransaction('mutation executeInspectionDraw');
      try {
        const row = await executeInspectionDraw(inspections, id, args.seed, executorOf(access), async (trx, targets) => {
          // The targets are the subjects this write touches; past what one request may note, only the draw is noted
          // (each target is noted again whenever its page is read).
          if (targets.length <= inspections.maxSubjectsPerRequest) for (const target of targets) access.trail.noteSubject(target.uscc);
          await audit.hook(trx);
        });
        audit.confirm();
        return drawView(row, context);
      } catch (error) {
        throw asClientError(error, context);
      }
    },
    cancelInspectionDraw: async (_: unknown, args: { id: string; reason: string }, context: HubContext) => {
      const { access, inspections } = context;
      const id = drawId(args.id);
      access.trail.noteReturned(`inspectionDraw:${id}`);
      const audit = access.trail.inTransaction('mutation cancelInspectionDraw');
      const row = await cancelInspectionDraw(inspections, id, args.reason, executorOf(access), audit.hook).catch((error: unknown) => {
        throw asClientError(error, context);
      });
      audit.confirm();
      return drawView(row, context);
    },
  },
  InspectionDraw: {
    population: async (parent: DrawParent, args: PageArgs, context: HubContext) => {
      if (!readsClasses(context.access.principal)) {
        context.access.trail.noteDenial('MISSING_SCOPE');
        throw forbidden(
          'MISSING_SCOPE',
          "a draw's population (with each subject's credit class) is shown to clients holding inspections:draw or credit:read; the commitment's digest and counts per class are public",
        );
      }
      const first = pageSize(args.first, 100, MAX_POPULATION_PAGE);
      const after = decodeCursor(args.after, isPopulationCursor);
      const rows = await listPopulation(readDb(context), parent.row.id, first, after);
      const page = rows.slice(0, first);
      for (const subject of page) context.access.trail.noteSubject(subject.uscc);
      return toPage(
        page.map((s) => ({ uscc: s.uscc, creditClass: s.class })),
        rows.length > first,
        (s) => encodeCursor([s.creditClass, s.uscc]),
      );
    },
    targets: async (parent: DrawParent, args: PageArgs, context: HubContext) => {
      const first = pageSize(args.first);
      const db = readDb(context);
      const classes = readsClasses(context.access.principal);
      // Without the classes, targets go by USCC: by class and rank, their order would tell each one's class.
      const rows = classes
        ? await listTargets(db, parent.row.id, first, decodeCursor(args.after, isTargetCursor))
        : await listTargetsByUscc(db, parent.row.id, first, decodeCursor(args.after, isPublicTargetCursor)?.[0]);
      const page = rows.slice(0, first);
      for (const target of page) context.access.trail.noteSubject(target.uscc);
      const results = await listDrawResults(
        db,
        parent.row.id,
        page.map((t) => t.uscc),
        MAX_RESULTS_PER_TARGET,
      );
      if (results.length > 0) context.access.trail.noteReturned('kind:INSPECTION');
      const views = page.map((t) => ({
        uscc: t.uscc,
        creditClass: 'class' in t ? t.class : null,
        rank: 'rank' in t ? t.rank : null,
        inspectors: t.inspectors,
        results: results.filter((r) => r.subject_uscc === t.uscc).map(resultView),
      }));
      const cursor = (t: (typeof views)[number]) => encodeCursor(t.creditClass !== null && t.rank !== null ? [t.creditClass, t.rank] : [t.uscc]);
      return toConnection(views, rows.length > first, cursor, () => countTargets(db, parent.row.id));
    },
  },
};
