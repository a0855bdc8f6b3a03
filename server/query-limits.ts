import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import type { HubConfig } from './hub-config.js';
import { logRefusal } from './refusal-log.js';

/** graphql-armor throws by default, which Apollo turns into a 500; report a 400 validation error instead. */
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')))],
};

/**
 * Depth and alias limits every document is validated against before it runs (its price, which needs
 * the variables, is checked next: see request-price.ts).
 */
export function queryLimitRules(limits: HubConfig['limits']): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxQueryDepth, exposeLimits: true, ...reportAsValidationError }),
    // __typename counts too: every alias is a field the response repeats.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], exposeLimits: true, ...reportAsValidationError }),
  ];
}

/** This process's part of a rate configured for the whole hub (see ProcessPresence). */
export type RateShare = (perMinute: number) => number;

/**
 * Requests one client address may make per minute, before any token is looked at; over it: 429 with
 * Retry-After. The limit is for the whole hub: this process enforces its `share` of it. Each refusal
 * is written to `logger` (the hub always passes its own).
 */
export function addressRateLimit(limits: HubConfig['limits'], share: RateShare = (perMinute) => perMinute, logger?: Logger): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: () => share(limits.requestsPerMinute),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    message: {
      error: 'rate_limited',
      error_description: `more than ${limits.requestsPerMinute} requests per minute from this address; retry after the Retry-After header's seconds`,
    },
    handler: (req, res, _next, options) => {
      if (logger)
        logRefusal(logger, req, res, { status: options.statusCode, reason: `over the address rate of ${limits.requestsPerMinute} requests per minute` });
      res.status(options.statusCode).json(options.message);
    },
  });
}
