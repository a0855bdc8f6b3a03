import { z } from 'zod';
import { cronExpression } from '../config/cron-expression.js';
import { agencyCode, provinceCode } from '../ingestion/identifier-schemas.js';
import { CLIENT_TYPES, SCOPES, type Scope } from './clients.js';
import { registrationProblems } from './client-registration.js';

const purposeSchema = z
  .object({
    code: z.string().regex(/^[A-Z][A-Z0-9_]{1,39}$/, 'must be 2-40 characters of A-Z, 0-9 and _'),
    description: z.string().min(1).max(200),
    /** Client types that may state this purpose. */
    clientTypes: z.array(z.enum(CLIENT_TYPES)).min(1),
  })
  .strict();

/** The purposes a hub accepts unless its config names others. */
export const DEFAULT_PURPOSES: z.input<typeof purposeSchema>[] = [
  { code: 'SUPERVISION', description: '监管执法: supervision and inspection', clientTypes: ['AGENCY', 'ADMIN'] },
  { code: 'ADMINISTRATIVE_APPROVAL', description: '行政审批: permits, 告知承诺 and 容缺受理 decisions', clientTypes: ['AGENCY'] },
  { code: 'DATA_SUBMISSION', description: '数据报送: an agency sending or checking its own records', clientTypes: ['AGENCY'] },
  { code: 'CREDIT_REPAIR', description: '信用修复: handling a repair or objection', clientTypes: ['AGENCY', 'ADMIN'] },
  { code: 'LOAN_REVIEW', description: '信易贷: a bank reviewing an enterprise that applied for credit', clientTypes: ['BANK'] },
  { code: 'MUTUAL_RECOGNITION', description: '长三角互认: a partner hub syncing records', clientTypes: ['PARTNER_HUB'] },
  { code: 'OPERATIONS', description: '运维: operating the hub', clientTypes: ['ADMIN'] },
];

/** The hub's token service and purposes (the config file's `auth` section). */
export const authSchema = z
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

/** An API client registered in the config file (its `clients` section). */
export const clientSchema = z
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
export type ClientConfig = z.infer<typeof clientSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type PurposeConfig = AuthConfig['purposes'][number];
