import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { type BusNames, contextFromHeaders, deadLetter, describeError, parseMessage } from "@tessera/bus";
import { JobMessageSchema, type JobRunReport, type RetryPolicy } from "@tessera/contracts";
import { retryDelayMs } from "./backoff.ts";
import { JobCancelledError, JobTimeoutError, RetryLaterError, WorkerStoppingError } from "./errors.ts";
import { isCancelled } from "./registry.ts";
import { publishReport } from "./reports.ts";
import type { JobLogger, JobRegistration } from "./types.ts";

type Report = (
  outcome: JobRunReport["outcome"],
  extra?: Pick<JobRunReport, "error" | "retryInMs" | "startedAt">,
) => Promise<void>;

/** One job type as this worker runs it. */
export interface AttemptSettings {
  readonly registration: JobRegistration;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly ackWaitMs: number;
  readonly dlqSubject: string;
}

export interface AttemptDeps {
  readonly js: JetStreamClient;
  readonly names: BusNames;
  readonly cancelled: KV;
  readonly logger: JobLogger;
  /** Aborted when a drain runs out of time: running attempts are handed back. */
  readonly shutdown: AbortSignal;
  readonly clock: () => Date;
  readonly random: () => number;
}

/** Runs one delivery of a job message to its end: ack, nak with the backoff, or dead letter. */
export async function runAttempt(deps: AttemptDeps, s: AttemptSettings, msg: JsMsg): Promise<void> {
  const attempt = msg.info.deliveryCount;
  const parsed = parseMessage(msg, JobMessageSchema, "job message");
  if (!parsed.ok) {
    deps.logger.error({ seq: msg.info.streamSequence, error: parsed.error }, "job message does not parse");
    await deadLetter(deps.js, s.dlqSubject, msg, parsed.error);
    return msg.ack();
  }
  const job = parsed.value;
  const message = contextFromHeaders(msg.headers);
  const log = deps.logger.child({
    runId: job.runId,
    attempt,
    jobType: job.jobType,
    generation: job.generation,
    requestId: message.requestId,
  });
  const report: Report = (outcome, extra = {}) =>
    publishReport(
      deps.js,
      deps.names,
      {
        runId: job.runId,
        jobType: job.jobType,
        generation: job.generation,
        attempt,
        outcome,
        at: deps.clock().toISOString(),
        ...extra,
      },
      message,
    ).catch((err: unknown) => {
      log.warn({ err, outcome }, "could not report to the scheduler");
      throw err;
    });

  if (await isCancelled(deps.cancelled, job.runId)) {
    log.info({ event: "job-cancelled" }, "job-cancelled");
    return msg.ack();
  }
  if (attempt > s.retry.maxAttempts) {
    // The last attempt's worker died before it could decide: nothing is left to try.
    return die(deps, s, msg, log, `delivered more than ${s.retry.maxAttempts} times`, (error) =>
      report("dead", { error }),
    );
  }
  const payload = s.registration.type.payload.safeParse(job.payload);
  if (!payload.success) {
    const error = `payload does not match ${job.jobType}: ${payload.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")}`;
    return die(deps, s, msg, log, error, (reason) => report("dead", { error: reason }));
  }

  const startedAt = deps.clock().toISOString();
  await report("started").catch(() => undefined);
  log.info({ event: "job-start" }, "job-start");
  const started = performance.now();
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(new JobTimeoutError(s.timeoutMs)), s.timeoutMs);
  const onShutdown = () => controller.abort(new WorkerStoppingError());
  deps.shutdown.addEventListener("abort", onShutdown, { once: true });
  if (deps.shutdown.aborted) onShutdown();
  // The consumer heartbeats the message; this notices a cancellation mid-attempt, as often.
  const cancellationCheck = setInterval(
    () =>
      isCancelled(deps.cancelled, job.runId).then(
        (cancelled) => cancelled && controller.abort(new JobCancelledError(job.runId)),
        (err: unknown) => log.debug({ err }, "could not check for cancellation"),
      ),
    Math.max(Math.floor(s.ackWaitMs / 3), 200),
  );
  try {
    await untilAborted(
      s.registration.run(payload.data, {
        runId: job.runId,
        jobType: job.jobType,
        generation: job.generation,
        attempt,
        signal: controller.signal,
        logger: log,
        message,
      }),
      controller.signal,
    );
    await retrying(() => report("succeeded", { startedAt }));
    await msg.ackAck();
    log.info({ event: "job-success", durationMs: Math.round(performance.now() - started) }, "job-success");
  } catch (err) {
    await afterFailure(deps, s, msg, log, err, {
      attempt,
      report: (outcome, extra) => report(outcome, { startedAt, ...extra }),
      started,
    });
  } finally {
    clearTimeout(timeout);
    clearInterval(cancellationCheck);
    deps.shutdown.removeEventListener("abort", onShutdown);
  }
}

async function afterFailure(
  deps: AttemptDeps,
  s: AttemptSettings,
  msg: JsMsg,
  log: JobLogger,
  err: unknown,
  a: {
    attempt: number;
    report: Report;
    started: number;
  },
): Promise<void> {
  const durationMs = Math.round(performance.now() - a.started);
  if (err instanceof WorkerStoppingError) {
    log.warn({ event: "job-handed-back", durationMs }, "job-handed-back");
    return msg.nak();
  }
  if (err instanceof JobCancelledError) {
    log.info({ event: "job-cancelled", durationMs }, "job-cancelled");
    return msg.ack();
  }
  const error = oneLine(describeError(err));
  if (a.attempt >= s.retry.maxAttempts) {
    log.error({ event: "job-failed", err, durationMs, final: true }, "job-failed");
    return die(deps, s, msg, log, error, (reason) => a.report("dead", { error: reason }));
  }
  const backoffMs = retryDelayMs(s.retry, a.attempt, deps.random);
  const retryInMs = err instanceof RetryLaterError ? Math.max(backoffMs, err.afterMs) : backoffMs;
  log.warn({ event: "job-failed", err, durationMs, retryInMs }, "job-failed");
  await a.report("failed", { error, retryInMs }).catch(() => undefined);
  msg.nak(retryInMs);
}

/** Last attempt: copy to the DLQ, tell the scheduler, then ack; if any step fails, the next delivery retries it. */
async function die(
  deps: AttemptDeps,
  s: AttemptSettings,
  msg: JsMsg,
  log: JobLogger,
  reason: string,
  reportDead: (reason: string) => Promise<void>,
): Promise<void> {
  try {
    await deadLetter(deps.js, s.dlqSubject, msg, reason);
    await reportDead(oneLine(reason));
    msg.ack();
    log.error({ event: "job-dead", error: oneLine(reason) }, "job-dead");
  } catch (err) {
    log.error({ err }, "could not dead-letter the run; will retry");
    msg.nak(1_000);
  }
}

/** A run report's error is one line of at most this many characters (its contract's limit). */
const MAX_REPORTED_ERROR_LENGTH = 1_000;

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, MAX_REPORTED_ERROR_LENGTH);
}

/** The handler's promise, or the abort reason as soon as the signal fires (a handler that ignores it is left behind). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A success must reach the scheduler: a few quick retries before giving the message back. */
async function retrying(work: () => Promise<void>, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * i));
    }
  }
}
