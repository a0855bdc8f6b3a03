import type { FormattedExecutionResult } from 'graphql';

/**
 * The refusal that replaces a response larger than `maxBytes` of JSON, or undefined when it fits.
 * Request pricing keeps responses small; this bounds what pricing cannot see, such as long texts.
 */
export function responseOverLimit(result: FormattedExecutionResult, maxBytes: number): FormattedExecutionResult | undefined {
  // Most responses are far below the limit: skip measuring those with no data worth measuring.
  if (!result.data) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes <= maxBytes) return undefined;
  return {
    errors: [
      {
        message: `the response would be ${bytes} bytes, over the hub's limit of ${maxBytes} (limits.maxResponseBytes): ask for smaller pages or fewer fields`,
        extensions: { code: 'RESPONSE_TOO_LARGE', bytes, maxBytes },
      },
    ],
  };
}
