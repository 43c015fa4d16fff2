import { setTimeout as sleep } from "node:timers/promises";
import type { Bus } from "@tessera/bus";
import { memoryPruneJob, schedulesCreate, TesseraError } from "@tessera/contracts";
import type { Logger } from "@tessera/service-kit";
import { systemContext } from "@tessera/service-kit";

/** The schedule's name; the scheduler keeps names unique, which makes creating it idempotent. */
export const PRUNE_SCHEDULE_NAME = memoryPruneJob.name;

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 60_000;

export interface PruneScheduleOptions {
  bus: Bus;
  logger: Logger;
  /** Cron expression (UTC) of the daily prune. */
  cron: string;
}

export interface PruneScheduleRegistration {
  /** Resolves once the schedule exists, or registration gave up on a refusal that a retry cannot fix. */
  readonly settled: Promise<"created" | "exists" | "refused" | "stopped">;
  stop(): Promise<void>;
}

/**
 * Creates the `memory.prune` schedule through the scheduler's `schedules.create` operation, as
 * `system:memory`. Schedules can only be made through that operation (there is no file or KV of
 * them), and the scheduler may start after this service, so it runs in the background and retries
 * with backoff until the scheduler answers. A schedule of that name already there (409
 * `job.schedule_exists`) is left as it is: an admin may have paused it or changed its cron.
 */
export function registerPruneSchedule(options: PruneScheduleOptions): PruneScheduleRegistration {
  const { bus, logger, cron } = options;
  const stopping = new AbortController();
  const settled = (async () => {
    for (let attempt = 1, delayMs = FIRST_RETRY_MS; ; attempt++) {
      if (stopping.signal.aborted) return "stopped";
      try {
        const schedule = await bus.request(
          schedulesCreate,
          {
            name: PRUNE_SCHEDULE_NAME,
            cron,
            timezone: "UTC",
            jobType: memoryPruneJob.name,
            payload: {},
            overlap: "skip",
            // One prune after downtime is enough: it forgets everything expired so far.
            catchUp: { policy: "latest", windowSeconds: 86_400 },
          },
          systemContext("memory"),
        );
        logger.info({ scheduleId: schedule.id, cron }, "memory.prune schedule created");
        return "created";
      } catch (error) {
        if (error instanceof TesseraError && error.code === "job.schedule_exists") {
          logger.debug({}, "memory.prune schedule already exists");
          return "exists";
        }
        if (!retryable(error)) {
          logger.error({ err: error, cron }, "the scheduler refused the memory.prune schedule");
          return "refused";
        }
        // Quiet while the scheduler is starting; say so once it takes a while.
        const level = attempt === 5 ? "warn" : "debug";
        logger[level](
          { err: error, attempt, retryInMs: delayMs },
          "memory.prune schedule not registered yet",
        );
      }
      try {
        await sleep(delayMs, undefined, { signal: stopping.signal });
      } catch {
        return "stopped";
      }
      delayMs = Math.min(delayMs * 2, LAST_RETRY_MS);
    }
  })();
  return {
    settled,
    async stop() {
      stopping.abort();
      await settled;
    },
  };
}

/**
 * Worth another try: nobody answered, the answer was late, the scheduler failed, or it has not yet
 * seen this service's worker announce `memory.prune` (404 `job.unknown_type`).
 */
function retryable(error: unknown): boolean {
  if (!(error instanceof TesseraError)) return true;
  return error.status >= 500 || error.code === "job.unknown_type";
}
