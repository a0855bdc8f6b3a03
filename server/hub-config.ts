import { z } from 'zod';
import { cronExpression } from '../config/cron-expression.js';
import { consoleSchema } from '../config/console-schema.js';
import { creditSchema } from '../config/credit-model-schema.js';
import { metricsSchema } from '../config/metrics-schema.js';
import { repairSchema } from '../config/repair-schema.js';
import { supervisionSchema } from '../config/supervision-schema.js';
import { authSchema, clientSchema } from '../access/access-config-schema.js';
import { CLIENT_TYPES } from '../access/clients.js';
import { fileDropSourceSchema } from '../connectors/file-drop/config.js';
import { httpJsonSourceSchema } from '../connectors/http-json/config.js';
import { measuresSchema } from '../credit/measures-schema.js';
import { agencyCode, provinceCode, usccCode } from '../ingestion/identifier-schemas.js';
import { inspectionsSchema } from '../inspections/inspection-schema.js';

const agencySchema = z
  .object({
    code: agencyCode,
    name: z.string().min(1).max(200),
    region: provinceCode,
    /** The agency's own 统一社会信用代码: the deciding authority (许可机关, 处罚机关, 作出决定机关) its records name. */
    uscc: usccCode,
    /** Authorities whose decisions it may publish besides its own, e.g. a provincial platform for its district bureaus. */
    publishesFor: z.array(usccCode).default([]),
    /**
     * A registration authority (登记机关, e.g. market regulation): the names and categories it publishes
     * for subjects registered in its own province are the subjects' registered ones.
     */
    registersSubjects: z.boolean().default(false),
    sources: z.array(z.discriminatedUnion('type', [fileDropSourceSchema, httpJsonSourceSchema])).default([]),
  })
  .strict();

/** The whole config file: each section's schema comes from the folder that owns it; the composition root assembles them. */
export const hubConfigSchema = z
  .object({
    hub: z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/), region: provinceCode }).strict(),
    publication: z
      .object({
        smallFineMaxWan: z
          .string()
          .regex(/^\d{1,12}(\.\d{1,6})?$/)
          .default('1'),
      })
      .strict()
      .default({ smallFineMaxWan: '1' }),
    /** Pilot-era USCCs whose check digit fails but which are real. */
    usccAllowList: z.array(z.string().length(18)).default([]),
    limits: z
      .object({
        maxQueryDepth: z.number().int().min(2).max(50).default(10),
        /** The highest price a request may have (see README, GraphQL: what a request costs). */
        maxQueryCost: z.number().int().min(100).default(20000),
        /** The highest price of a request's schema reads (introspection), apart from its data: GraphiQL's full schema query costs about 60,000. */
        maxIntrospectionCost: z.number().int().min(1000).default(100_000),
        /** Root fields (aliases included) one operation may select; bounds the audit entries and writes of a request. */
        maxRootFields: z.number().int().min(1).max(100).default(10),
        /** Aliases one document may use. */
        maxAliases: z.number().int().min(0).max(1000).default(30),
        /** Lexical tokens one document may have: a long document is refused before it is parsed. */
        maxTokens: z.number().int().min(100).max(100_000).default(3000),
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(50 * 1024 * 1024)
          .default(1024 * 1024),
        /** The largest response the hub sends; a larger one is withheld with an error naming the limit. */
        maxResponseBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .max(256 * 1024 * 1024)
          .default(8 * 1024 * 1024),
        /** Distinct subjects (enterprises, persons) one request may touch; a request that would touch more is refused and audited as such. */
        maxSubjectsPerRequest: z.number().int().min(1).max(100_000).default(2000),
        /** Each database statement a GraphQL read makes is cancelled after this long (on a PostgreSQL server). */
        statementTimeoutMs: z.number().int().min(1).max(600_000).default(5000),
        /** A request costs the client one unit of its rate per this much price (or part of it). */
        pricePerRequest: z.number().int().min(1).default(2000),
        /** Client types that may query the schema (introspection); the others use the documented schema. */
        introspectionClientTypes: z.array(z.enum(CLIENT_TYPES)).default(['AGENCY', 'ADMIN']),
        /** GraphQL requests one client address may make per minute; over it: 429 with Retry-After. */
        requestsPerMinute: z.number().int().min(1).default(600),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        /** Expires records whose period has ended; cron with seconds, read in China time. */
        expireRecords: z
          .object({ cron: cronExpression.default('0 5 0 * * *'), enabled: z.boolean().default(true) })
          .strict()
          .default({ cron: '0 5 0 * * *', enabled: true }),
        /** Grades subjects whose records changed (credit grades); every 15 s, so a change shows within a minute. */
        gradeSubjects: z
          .object({ cron: cronExpression.default('*/15 * * * * *'), enabled: z.boolean().default(true) })
          .strict()
          .default({ cron: '*/15 * * * * *', enabled: true }),
        /** Failed runs in a row after which a connector is shown unhealthy (and a warning logged). */
        unhealthyAfterFailures: z.number().int().min(1).max(100).default(3),
      })
      .strict()
      .default({ expireRecords: { cron: '0 5 0 * * *', enabled: true }, gradeSubjects: { cron: '*/15 * * * * *', enabled: true }, unhealthyAfterFailures: 3 }),
    auth: authSchema.default(authSchema.parse({})),
    /** Differentiated supervision (分级分类监管) by credit class; see README. */
    supervision: supervisionSchema.prefault({}),
    /** Credit grading models (公共信用综合评价), versioned; see README, Credit grades. */
    credit: creditSchema.prefault({}),
    /** 双随机 inspection draws: inspector pool, inspectors per target, exclusion period; see README. */
    inspections: inspectionsSchema.prefault({}),
    /** The 联合奖惩 catalogue of joint-punishment and incentive measures; see README. */
    measures: measuresSchema,
    /** Prometheus metrics and the readiness rule for scheduled jobs; see README, Metrics and health. */
    metrics: metricsSchema.prefault({}),
    /** The web console at /console: session timeouts and the Secure cookie rule; see README, Console. */
    console: consoleSchema.prefault({}),
    /** Credit repair (信用修复) eligibility and objection (异议) due dates; see README, Credit repair and objections. */
    repair: repairSchema.prefault({}),
    agencies: z.array(agencySchema).min(1),
    /** API clients registered from configuration; more can be added with `npm run hub -- client add`. */
    clients: z.array(clientSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.agencies.forEach((agency, index) => {
      if (seen.has(agency.code)) ctx.addIssue({ code: 'custom', path: ['agencies', index, 'code'], message: `duplicate agency code ${agency.code}` });
      seen.add(agency.code);
    });
    const clientIds = new Set<string>();
    config.clients.forEach((client, index) => {
      if (clientIds.has(client.id)) ctx.addIssue({ code: 'custom', path: ['clients', index, 'id'], message: `duplicate client id ${client.id}` });
      clientIds.add(client.id);
      if (client.agency && !seen.has(client.agency))
        ctx.addIssue({ code: 'custom', path: ['clients', index, 'agency'], message: `agency ${client.agency} is not configured` });
    });
  });
export type HubConfig = z.infer<typeof hubConfigSchema>;
export type AgencyConfig = HubConfig['agencies'][number];
export type SourceConfig = AgencyConfig['sources'][number];

/** The issuer and audience the hub uses, with their defaults filled in. */
export function tokenIdentity(config: HubConfig): { issuer: string; audience: string } {
  const issuer = config.auth.issuer ?? `urn:yrd-credit-hub:${config.hub.id}`;
  return { issuer, audience: config.auth.audience ?? `${issuer}#api` };
}
