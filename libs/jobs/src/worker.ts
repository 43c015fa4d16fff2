import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { type Bus, deadLetterSubject, JOBS_STREAM, type PullConsumer, startPullConsumer } from "@tessera/bus";
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
  const consumers: PullConsumer[] = [];

  for (const registration of opts.jobs) {
    consumers.push(await runJobType({ opts, deps, jsm, registry, ackWaitMs }, registration));
  }

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    // Messages fetched but not started are handed back at once.
    await Promise.all(consumers.map((consumer) => consumer.stopFetching()));
    const drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
    if (await allSettled(consumers, drainTimeoutMs)) return;
    logger.warn({ drainTimeoutMs }, "drain time is up; handing running jobs back");
    shutdown.abort();
    await allSettled(consumers, 5_000);
  };
  return {
    stop() {
      stopped ??= stop();
      return stopped;
    },
  };
}

/** Starts one job type's consumer and announces the type. */
async function runJobType(
  w: {
    opts: JobWorkerOptions;
    deps: AttemptDeps;
    jsm: JetStreamManager;
    registry: KV;
    ackWaitMs: number;
  },
  registration: JobRegistration,
): Promise<PullConsumer> {
  const { bus, logger } = w.opts;
  const { type } = registration;
  if (type.service !== bus.service) {
    throw new Error(`${bus.service} cannot run ${type.name}, which belongs to ${type.service}`);
  }
  const purpose = jobConsumerName(type.name);
  const settings: AttemptSettings = {
    registration,
    timeoutMs: w.opts.timeoutOverrideMs ?? type.timeoutMs,
    retry: RetryPolicySchema.parse({ ...type.retry, ...w.opts.retryOverride }),
    ackWaitMs: w.ackWaitMs,
    dlqSubject: bus.names.subject(deadLetterSubject(bus.service, purpose)),
  };
  const durable = bus.names.durable(bus.service, purpose);
  // One consumer per type, so concurrency is per type: a busy type does not hold up another one.
  const consumer = await startPullConsumer(
    { js: w.deps.js, jsm: w.jsm, logger },
    {
      stream: bus.names.stream(JOBS_STREAM),
      durable,
      filterSubjects: [bus.names.subject(type.subject)],
      ackWaitMs: w.ackWaitMs,
      maxDeliver: settings.retry.maxAttempts,
      concurrency: type.concurrency,
      handle: (msg) => runAttempt(w.deps, settings, msg),
    },
  );
  await announceJobType(w.registry, type, settings, w.deps.clock());
  logger.info({ jobType: type.name, subject: type.subject, durable }, "job worker started");
  return consumer;
}

/** True once no consumer runs a handler, false if `ms` passes first (all share the one deadline). */
async function allSettled(consumers: readonly PullConsumer[], ms: number): Promise<boolean> {
  const settled = await Promise.all(consumers.map((consumer) => consumer.settled(ms)));
  return settled.every(Boolean);
}
