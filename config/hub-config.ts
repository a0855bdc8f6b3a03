import { readFile } from 'node:fs/promises';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { isProvinceCode } from '../ingestion/regions.js';
import { agencyCode, usccCode } from './common-schemas.js';
import { mappingSchema } from './mapping-schema.js';
import { supervisionSchema } from './supervision-schema.js';
import { creditSchema } from './credit-model-schema.js';
import { inspectionsSchema } from './inspection-schema.js';
import { repairSchema } from './repair-schema.js';
import { metricsSchema } from './metrics-schema.js';
import { consoleSchema } from './console-schema.js';
import { measuresSchema } from './measures-schema.js';
import { CLIENT_TYPES, SCOPES, type Scope } from '../access/clients.js';
import { clientFileProblems, registrationProblems } from '../access/client-registration.js';
import cron from 'node-cron';

const provinceCode = z.string().refine(isProvinceCode, { message: 'must be a province-level GB/T 2260 code such as 310000' });
/** Checked here, so that a bad schedule stops the start naming its key instead of failing when jobs start. */
const cronExpression = z.string().superRefine((expression, ctx) => {
  if (!cron.validate(expression))
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(expression.slice(0, 60))} is not a cron expression (six fields, seconds first, e.g. "0 5 0 * * *")`,
    });
});

export { mappingSchema, type Mapping } from './mapping-schema.js';

const fileDropSource = z
  .object({
    type: z.literal('file-drop'),
    /** Unique among the agency's sources; default: type and position, e.g. file-drop-1. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/)
      .optional(),
    /** Cron expression with seconds (China time) for regular pickup; none: only at start-up. */
    schedule: cronExpression.optional(),
    /** Folder with the agency's .csv and .jsonl files, relative to the config file. */
    folder: z.string(),
    /** The files' text encoding: UTF-8, or GB18030 (GBK and GB2312 exports are subsets of it). */
    encoding: z.enum(['utf-8', 'gb18030']).default('utf-8'),
    /** After a run, move each file to processed/ (or failed/ when it cannot be read), or keep it in place. */
    afterRun: z.enum(['move', 'keep']).default('move'),
    mapping: mappingSchema,
  })
  .strict();

/** Dotted field names in a response body; empty for the body itself. */
const JSON_PATH = /^(?:[^.\s]+(?:\.[^.\s]+)*)?$/;

const httpJsonSource = z
  .object({
    type: z.literal('http-json'),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/)
      .optional(),
    schedule: cronExpression.optional(),
    /** The agency API's list endpoint; see README for the paging contract. */
    url: z.url({ protocol: /^https?$/ }),
    pageSize: z.number().int().min(1).max(10_000).default(1000),
    /**
     * How the agency API pages: by the opaque cursor it returns (`cursor`), by a record offset
     * (`offset`), or by a page number (`page`, counted from `firstPage`). See README.
     */
    paging: z.enum(['cursor', 'offset', 'page']).default('cursor'),
    firstPage: z.number().int().min(0).max(1).default(1),
    /** Query parameter names the agency API uses. */
    params: z
      .object({
        updatedSince: z.string().default('updated_since'),
        pageSize: z.string().default('page_size'),
        cursor: z.string().default('cursor'),
        offset: z.string().default('offset'),
        page: z.string().default('page'),
      })
      .strict()
      .default({ updatedSince: 'updated_since', pageSize: 'page_size', cursor: 'cursor', offset: 'offset', page: 'page' }),
    /**
     * Where the response body keeps the records array and the next page's cursor: a field name, or a
     * dotted path such as `data.list`; `""` for records means the body is the array itself.
     */
    response: z
      .object({
        records: z.string().regex(JSON_PATH, 'must be a field name or a dotted path such as data.list').default('records'),
        nextCursor: z.string().min(1).regex(JSON_PATH, 'must be a field name or a dotted path such as data.next').default('next_cursor'),
        /**
         * For an API that answers HTTP 200 with an error code in the body: the field holding the code,
         * the values that mean success, and the field with the error's text. Any other code fails the page.
         */
        status: z
          .object({
            field: z.string().min(1).regex(JSON_PATH, 'must be a field name or a dotted path such as code'),
            ok: z.array(z.string()).min(1),
            message: z.string().min(1).regex(JSON_PATH, 'must be a field name or a dotted path such as msg').optional(),
          })
          .strict()
          .optional(),
        /** Where the body says how many records the query has in all (e.g. `data.total`): offset and page paging end once that many are read. */
        total: z.string().min(1).regex(JSON_PATH, 'must be a field name or a dotted path such as data.total').optional(),
        /** Where the body says whether more pages follow (e.g. `data.hasNext`: true/false, 1/0): offset and page paging end on false. */
        hasMore: z.string().min(1).regex(JSON_PATH, 'must be a field name or a dotted path such as data.hasNext').optional(),
      })
      .strict()
      .default({ records: 'records', nextCursor: 'next_cursor' }),
    /**
     * Record field with its last-change time (ISO 8601 with its zone, China-time "YYYY-MM-DD HH:mm:ss",
     * or epoch seconds or milliseconds); it becomes the watermark.
     */
    updatedAtField: z.string().default('updated_at'),
    /** How `updated_since` is sent: ISO 8601 in UTC, China-time "YYYY-MM-DD HH:mm:ss", or epoch milliseconds. */
    sinceFormat: z.enum(['iso', 'china-local', 'epoch-ms']).default('iso'),
    /**
     * Whether the API reads `updated_since` as "at or after" (true, the default) or "after" (false):
     * then the hub asks from one unit of `sinceFormat` before its watermark (1 ms, or 1 s in China
     * time), so records sharing the watermark's time are never skipped.
     */
    sinceInclusive: z.boolean().default(true),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    retries: z.number().int().min(0).max(10).default(5),
    /** File holding a bearer token for the agency API (a secret: kept out of the config file). */
    bearerTokenFile: z.string().optional(),
    /**
     * Instead of a stored token: every request carries a JWT the hub signs (typ hub-request+jwt, iss =
     * the hub's issuer, aud = this value, 60 s), which the agency checks against the hub's JWKS.
     */
    signedJwtAudience: z.string().min(3).max(200).optional(),
    mapping: mappingSchema,
  })
  .strict()
  .refine((s) => !(s.bearerTokenFile && s.signedJwtAudience), { message: 'set bearerTokenFile or signedJwtAudience, not both', path: ['signedJwtAudience'] })
  .refine((s) => s.response.records !== '' || s.paging !== 'cursor', {
    message: 'a body that is a bare array has no cursor: set paging to offset or page',
    path: ['response', 'records'],
  });

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
    sources: z.array(z.discriminatedUnion('type', [fileDropSource, httpJsonSource])).default([]),
  })
  .strict();

const purposeSchema = z
  .object({
    code: z.string().regex(/^[A-Z][A-Z0-9_]{1,39}$/, 'must be 2-40 characters of A-Z, 0-9 and _'),
    description: z.string().min(1).max(200),
    /** Client types that may state this purpose. */
    clientTypes: z.array(z.enum(CLIENT_TYPES)).min(1),
  })
  .strict();

export const DEFAULT_PURPOSES: z.input<typeof purposeSchema>[] = [
  { code: 'SUPERVISION', description: '监管执法: supervision and inspection', clientTypes: ['AGENCY', 'ADMIN'] },
  { code: 'ADMINISTRATIVE_APPROVAL', description: '行政审批: permits, 告知承诺 and 容缺受理 decisions', clientTypes: ['AGENCY'] },
  { code: 'DATA_SUBMISSION', description: '数据报送: an agency sending or checking its own records', clientTypes: ['AGENCY'] },
  { code: 'CREDIT_REPAIR', description: '信用修复: handling a repair or objection', clientTypes: ['AGENCY', 'ADMIN'] },
  { code: 'LOAN_REVIEW', description: '信易贷: a bank reviewing an enterprise that applied for credit', clientTypes: ['BANK'] },
  { code: 'MUTUAL_RECOGNITION', description: '长三角互认: a partner hub syncing records', clientTypes: ['PARTNER_HUB'] },
  { code: 'OPERATIONS', description: '运维: operating the hub', clientTypes: ['ADMIN'] },
];

const authSchema = z
  .object({
    /** `iss` of the hub's tokens and the `aud` client assertions must name. Default: urn:yrd-credit-hub:<hub id>. */
    issuer: z.string().min(3).max(200).optional(),
    /** `aud` of access tokens. Default: the issuer followed by #api. */
    audience: z.string().min(3).max(200).optional(),
    signingAlgorithm: z.enum(['EdDSA', 'ES256']).default('EdDSA'),
    accessTokenTtlSeconds: z.number().int().min(30).max(3600).default(300),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** client_secret_basic at /oauth/token; for development only, off by default. */
    allowClientSecret: z.boolean().default(false),
    /** Requests per minute a client may make unless its registration says otherwise (token bucket). */
    defaultClientRequestsPerMinute: z.number().int().min(1).default(600),
    /** How often the hub signs an audit-log checkpoint (cron with seconds). */
    checkpointCron: cronExpression.default('0 */5 * * * *'),
    /** Purposes a request may state in its X-Purpose header. */
    purposes: z.array(purposeSchema).min(1).default(DEFAULT_PURPOSES),
  })
  .strict();

const clientSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'must be 2-64 characters of a-z, 0-9, ., _ and -'),
    name: z.string().min(1).max(200),
    type: z.enum(CLIENT_TYPES),
    /** The agency an AGENCY client speaks for. */
    agency: agencyCode.optional(),
    /** Provinces whose data the client may read (partner hubs: the regions it syncs); empty: all. */
    regions: z.array(provinceCode).default([]),
    /** Narrower scopes than its type allows; default: all its type allows. */
    scopes: z.array(z.enum(Object.keys(SCOPES) as [Scope, ...Scope[]])).optional(),
    /** File with the client's public key: a JWK or a JWKS ({"keys": [...]}). */
    publicKeyFile: z.string().optional(),
    /** URL of the client's JWKS (fetched over HTTP, cached). */
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** File with a shared secret for client_secret_basic (development only). */
    secretFile: z.string().optional(),
    requestsPerMinute: z.number().int().min(1).optional(),
  })
  .strict()
  .superRefine((client, ctx) => {
    for (const problem of registrationProblems(client))
      ctx.addIssue({ code: 'custom', path: problem.field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: problem.message });
  });

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
export type FileDropSourceConfig = Extract<SourceConfig, { type: 'file-drop' }>;
export type HttpJsonSourceConfig = Extract<SourceConfig, { type: 'http-json' }>;
export type ClientConfig = HubConfig['clients'][number];
export type AuthConfig = HubConfig['auth'];
export type PurposeConfig = AuthConfig['purposes'][number];

/** The issuer and audience the hub uses, with their defaults filled in. */
export function tokenIdentity(config: HubConfig): { issuer: string; audience: string } {
  const issuer = config.auth.issuer ?? `urn:yrd-credit-hub:${config.hub.id}`;
  return { issuer, audience: config.auth.audience ?? `${issuer}#api` };
}

/** Thrown at start-up with every problem of the config file, each naming its key. */
export class ConfigError extends Error {}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
}

/**
 * JSON with comments (line and block) and trailing commas, as the README shows configuration: an operator
 * may keep notes in the file. A syntax error is named by line and column.
 */
function parseConfigText(text: string, path: string): unknown {
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset).split('\n');
    throw new ConfigError(
      `config file ${path} is not JSON: ${printParseErrorCode(first.error)} at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`,
    );
  }
  return raw;
}

/** Reads and validates the hub config file; source folders are resolved relative to it. */
export async function loadHubConfig(path: string): Promise<HubConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const raw = parseConfigText(text, path);
  const parsed = hubConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`config file ${path} is invalid:\n${describeIssues(parsed.error)}`);
  const base = dirname(resolve(path));
  const config = {
    ...parsed.data,
    agencies: parsed.data.agencies.map((agency) => ({
      ...agency,
      sources: agency.sources.map((source) => {
        if (source.type === 'file-drop') return { ...source, folder: resolve(base, source.folder) };
        return source.bearerTokenFile ? { ...source, bearerTokenFile: resolve(base, source.bearerTokenFile) } : source;
      }),
    })),
    clients: parsed.data.clients.map((client) => ({
      ...client,
      ...(client.publicKeyFile ? { publicKeyFile: resolve(base, client.publicKeyFile) } : {}),
      ...(client.secretFile ? { secretFile: resolve(base, client.secretFile) } : {}),
    })),
  };
  // Key and secret files are read now, so a missing file or unusable key stops the start naming its key.
  const fileProblems = (
    await Promise.all(
      config.clients.map(async (client, index) => (await clientFileProblems(client)).map((p) => `  - clients.${index}.${p.field}: ${p.message}`)),
    )
  ).flat();
  if (fileProblems.length > 0) throw new ConfigError(`config file ${path} is invalid:\n${fileProblems.join('\n')}`);
  return config;
}
