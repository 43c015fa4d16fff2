import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { type Bus, deadLetterSubject, JOBS_STREAM } from "@tessera/bus";
import { type RetryPolicy, RetryPolicySchema } from "@tessera/contracts";
import { type AttemptDeps, type AttemptSettings, runAttempt } from "./attempt.ts";
import { announceJobType, openCancelledRuns, openJobTypeRegistry } from "./registry.ts";
import type { JobLogger, JobRegistration } from "./types.ts";

export interface JobWorkerOptions {
  /** The service's bus; its service must own every job type given. */
  bus: Bus;
  logger: JobLogger;
  jobs: readonly JobRegistration[];
  /** How long the server waits for an ack or a heartbeat before redelivering, in ms. @default 30_000 */
  ackWaitMs?: number;
  /** Replaces parts of every type's retry policy (tests use short delays). */
  retryOverride?: Partial<RetryPolicy>;
  /** Replaces every type's time-out, in ms (tests). */
  timeoutOverrideMs?: number;
  /** How long `stop()` waits for running attempts before handing them back, in ms. @default 10_000 */
  drainTimeoutMs?: number;
  clock?: () => Date;
  random?: () => number;
}

export interface JobWorker {
  /** Stops fetching, lets running attempts finish within the drain time, then hands the rest back. */
  stop(): Promise<void>;
}

/** The durable of one job type: `<service>--job-<type>` (dots and underscores become dashes). */
export function jobConsumerName(jobType: string): string {
  return `job-${jobType.replace(/[._]/g, "-")}`;
}

/**
 * Consumes `job.<service>.<type>` for each registered type from the `JOBS` work queue, one durable per
 * type, and announces each type in the registry so the scheduler accepts runs of it.
 */
export async function startJobWorker(opts: JobWorkerOptions): Promise<JobWorker> {
  const { bus, logger } = opts;
  const js = jetstream(bus.nc);
  const jsm = await jetstreamManager(bus.nc);
  const ackWaitMs = opts.ackWaitMs ?? 30_000;
  const clock = opts.clock ?? (() => new Date());
  const shutdown = new AbortController();
  const deps: AttemptDeps = {
    js,
    names: bus.names,
    cancelled: await openCancelledRuns(bus),
    logger,
    shutdown: shutdown.signal,
    clock,
    random: opts.random ?? Math.random,
  };
  const registry = await openJobTypeRegistry(bus);
  /** Every running attempt, whatever its type: what a drain waits for. */
  const running = new Set<Promise<void>>();
  const loops: { messages: ConsumerMessages; loop: Promise<void> }[] = [];
  let stopping = false;
  // Wakes loops that wait for a free slot, so a stop is not held up by a full type.
  let wakeOnStop = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    wakeOnStop = resolve;
  });

  for (const registration of opts.jobs) {
    const { type } = registration;
    if (type.service !== bus.service) {
      throw new Error(`${bus.service} cannot run ${type.name}, which belongs to ${type.service}`);
    }
    const purpose = jobConsumerName(type.name);
    const settings: AttemptSettings = {
      registration,
      timeoutMs: opts.timeoutOverrideMs ?? type.timeoutMs,
      retry: RetryPolicySchema.parse({ ...type.retry, ...opts.retryOverride }),
      ackWaitMs,
      dlqSubject: bus.names.subject(deadLetterSubject(bus.service, purpose)),
    };
    const stream = bus.names.stream(JOBS_STREAM);
    const durable = bus.names.durable(bus.service, purpose);
    await ensureConsumer(jsm, stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      // One spare delivery: a worker that dies on the last attempt leaves the dead-lettering to the next.
      max_deliver: settings.retry.maxAttempts + 1,
      filter_subject: bus.names.subject(type.subject),
    });
    const consumer = await js.consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: type.concurrency });
    // Concurrency is per type: a busy type must not hold up another one.
    const runningOfType = new Set<Promise<void>>();
    const loop = (async () => {
      for await (const msg of messages) {
        while (!stopping && runningOfType.size >= type.concurrency) {
          await Promise.race([...runningOfType, stopRequested]);
        }
        if (stopping) {
          msg.nak();
          continue;
        }
        const attempt: Promise<void> = runAttempt(deps, settings, msg)
          .catch((err: unknown) => logger.error({ err, jobType: type.name }, "job attempt crashed"))
          .finally(() => {
            running.delete(attempt);
            runningOfType.delete(attempt);
          });
        running.add(attempt);
        runningOfType.add(attempt);
      }
    })().catch((err: unknown) =>
      logger.error({ err, jobType: type.name }, "job consumer stopped unexpectedly"),
    );
    loops.push({ messages, loop });
    await announceJobType(registry, type, settings, clock());
    logger.info({ jobType: type.name, subject: type.subject, durable }, "job worker started");
  }

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      wakeOnStop();
      // Messages fetched but not started are handed back at once; the iterators end after them.
      await Promise.all(loops.map(({ messages }) => messages.close()));
      await Promise.all(loops.map(({ loop }) => loop));
      const drained = await settleWithin(running, opts.drainTimeoutMs ?? 10_000);
      if (!drained) {
        logger.warn({ running: running.size }, "drain time is up; handing running jobs back");
        shutdown.abort();
        await settleWithin(running, 5_000);
      }
    },
  };
}

async function settleWithin(running: Set<Promise<void>>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (running.size > 0) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(running),
      new Promise((resolve) => {
        timer = setTimeout(resolve, left);
      }),
    ]);
    clearTimeout(timer);
  }
  return true;
}

/** Creates the durable, or updates it when it exists with another configuration; replicas may race. */
async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>) {
  try {
    await jsm.consumers.add(stream, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError)) throw err;
    await jsm.consumers.update(stream, config.durable_name!, config);
  }
}
