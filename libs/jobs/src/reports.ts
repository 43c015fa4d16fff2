import type { JetStreamClient } from "@nats-io/jetstream";
import { type BusNames, headersFromContext } from "@tessera/bus";
import { JOB_RUN_REPORTS_SUBJECT, type JobRunReport, type MessageContext } from "@tessera/contracts";

/** Reports one step of an attempt to the scheduler, durably: a report is only lost if JetStream never stores it. */
export async function publishReport(
  js: JetStreamClient,
  names: BusNames,
  report: JobRunReport,
  ctx: Partial<MessageContext>,
): Promise<void> {
  await js.publish(names.subject(JOB_RUN_REPORTS_SUBJECT), JSON.stringify(report), {
    msgID: `${report.runId}:${report.generation}:${report.attempt}:${report.outcome}`,
    headers: headersFromContext(ctx),
  });
}
