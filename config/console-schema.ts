import { z } from 'zod';

/** The web console at /console: how long its sign-in links and sessions last, and when its cookie is Secure. */
export const consoleSchema = z
  .object({
    /** A session ends after this many minutes without a request (idle timeout). */
    idleMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    /** A session ends this many hours after sign-in, however busy (absolute timeout). */
    absoluteHours: z
      .number()
      .int()
      .min(1)
      .max(7 * 24)
      .default(8),
    /** A one-time sign-in link (`console invite`) works for this many hours. */
    inviteHours: z
      .number()
      .int()
      .min(1)
      .max(14 * 24)
      .default(24),
    /**
     * `auto`: the session cookie is Secure when the request came over TLS, as a trusted proxy says
     * (X-Forwarded-Proto: https from an address in `trustedProxies`). `always` / `never` fix it.
     */
    secureCookie: z.enum(['auto', 'always', 'never']).default('auto'),
    /** Addresses of the TLS-terminating proxies whose X-Forwarded-Proto the hub believes (e.g. 127.0.0.1). */
    trustedProxies: z.array(z.string().min(2).max(64)).max(20).default([]),
    /** The console's address as people reach it, for the links `console invite` prints; default http://localhost:$PORT. */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

export type ConsoleConfig = z.infer<typeof consoleSchema>;
