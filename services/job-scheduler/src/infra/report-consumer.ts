import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { type Bus, contextFromHeaders, JOBS_STREAM } from "@tessera/bus";
import {
  JOB_RUN_REPORTS_SUBJECT,
  type JobRunReport,
  JobRunReportSchema,
  type MessageContext,
} from "@tessera/contracts";
import type { Logger } from "@tessera/service-kit";

export const RUN_REPORTS_CONSUMER = "run-reports";

/**
 * Reads workers' reports from `job.job-scheduler.run-reports` (in the `JOBS` work queue, so each
 * report is handled by one replica). A report that does not parse is logged and dropped; a failed
 * handler is retried after a second.
 */
export async function consumeRunReports(
  deps: { bus: Bus; js: JetStreamClient; jsm: JetStreamManager; logger: Logger; concurrency: number },
  handler: (report: JobRunReport, ctx: MessageContext) => Promise<void>,
): Promise<{ stop(): Promise<void> }> {
  const { bus, js, jsm, logger } = deps;
  const stream = bus.names.stream(JOBS_STREAM);
  const durable = bus.names.durable(bus.service, RUN_REPORTS_CONSUMER);
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    filter_subject: bus.names.subject(JOB_RUN_REPORTS_SUBJECT),
  };
  try {
    await jsm.consumers.add(stream, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError)) throw err;
    await jsm.consumers.update(stream, durable, config);
  }
  const consumer = await js.consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: deps.concurrency });
  const running = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of messages) {
      while (running.size >= deps.concurrency) await Promise.race(running);
      const task: Promise<void> = (async () => {
        let report: JobRunReport;
        try {
          report = JobRunReportSchema.parse(msg.json());
        } catch (err) {
          logger.error({ err, seq: msg.info.streamSequence }, "run report does not parse; dropped");
          msg.ack();
          return;
        }
        try {
          await handler(report, contextFromHeaders(msg.headers));
          msg.ack();
        } catch (err) {
          logger.warn({ err, runId: report.runId, outcome: report.outcome }, "could not record a run report");
          msg.nak(1_000);
        }
      })().finally(() => running.delete(task));
      running.add(task);
    }
  })().catch((err: unknown) => logger.error({ err }, "run report consumer stopped unexpectedly"));
  return {
    async stop() {
      await messages.close();
      await loop;
      await Promise.all(running);
    },
  };
}
