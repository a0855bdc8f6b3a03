import { z } from 'zod';
import { commonSourceFields } from '../source-fields.js';

/** Dotted field names in a response body; empty for the body itself. */
const JSON_PATH = /^(?:[^.\s]+(?:\.[^.\s]+)*)?$/;

/** An agency's HTTP JSON API source as the config file names it (README, Configuration). */
export const httpJsonSourceSchema = z
  .object({
    type: z.literal('http-json'),
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
    ...commonSourceFields,
  })
  .strict()
  .refine((s) => !(s.bearerTokenFile && s.signedJwtAudience), { error: 'set bearerTokenFile or signedJwtAudience, not both', path: ['signedJwtAudience'] })
  .refine((s) => s.response.records !== '' || s.paging !== 'cursor', {
    error: 'a body that is a bare array has no cursor: set paging to offset or page',
    path: ['response', 'records'],
  });
export type HttpJsonSourceConfig = z.infer<typeof httpJsonSourceSchema>;
