import type { Logger } from 'pino';

/** A part of the hub that was started: its name for the log, and how to stop it. */
interface StartedPart {
  readonly name: string;
  readonly stop: () => Promise<void> | void;
}

/**
 * The hub's long-lived parts (subscriptions, leases, timers, servers) in the order they were started.
 * `stopAll` stops them last first. A start step that fails first stops everything started before it,
 * so a hub that cannot start leaves no timer, lease, connection or open port behind.
 */
export class StartedParts {
  readonly #parts: StartedPart[] = [];

  constructor(private readonly logger: Logger) {}

  /**
   * Runs `start`; once it resolves, `stop` is kept to undo it. When it throws, everything started
   * before is stopped (last first) and its error is rethrown.
   */
  async start<T>(name: string, start: () => Promise<T> | T, stop: (started: T) => Promise<void> | void): Promise<T> {
    let started: T;
    try {
      started = await start();
    } catch (error) {
      // A part that will not stop is logged by stopAll; the error the caller needs is the start's.
      await this.stopAll().catch(() => undefined);
      throw error;
    }
    this.add(name, () => stop(started));
    return started;
  }

  /** Keeps `stop` for a part started without `start` (synchronously, by its caller). */
  add(name: string, stop: () => Promise<void> | void): void {
    this.#parts.push({ name, stop });
  }

  /**
   * Stops every part, last started first, each once: one that fails to stop is logged and the others
   * are still stopped; then the first failure is thrown. Calling it again stops only what was started since.
   */
  async stopAll(): Promise<void> {
    const failures: unknown[] = [];
    for (let part = this.#parts.pop(); part; part = this.#parts.pop()) {
      try {
        await part.stop();
      } catch (error) {
        this.logger.error({ err: error, part: part.name }, 'a part of the hub did not stop cleanly');
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
