import { z } from 'zod';
import cron from 'node-cron';

/** A cron expression with seconds. Checked at load, so that a bad schedule stops the start naming its key instead of failing when jobs start. */
export const cronExpression = z.string().superRefine((expression, ctx) => {
  if (!cron.validate(expression))
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(expression.slice(0, 60))} is not a cron expression (six fields, seconds first, e.g. "0 5 0 * * *")`,
    });
});
