import type { KV } from "@nats-io/kv";
import type { MessageContext } from "@tessera/contracts";
import { type EventStore, handleCommand } from "@tessera/eventstore";
import { eventMetadata, type Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { type RunCommand, runDecider } from "../domain/decide-run.ts";
import { type ScheduleCommand, scheduleDecider } from "../domain/decide-schedule.ts";
import { runStreamId } from "../domain/run.ts";
import { scheduleStreamId } from "../domain/schedule.ts";
import type { JobPublisher } from "../infra/job-publisher.ts";
import { projectRunEvents } from "../infra/runs.ts";
import { projectScheduleEvents } from "../infra/schedule-projection.ts";
import type { JobsDb } from "../infra/tables.ts";

/** What the scheduler's handlers are built from; wired once in service.ts. */
export interface JobsDeps {
  readonly db: Kysely<JobsDb>;
  readonly store: EventStore;
  readonly publisher: JobPublisher;
  /** Announced job types (KV). */
  readonly registry: KV;
  /** Cancelled runs (KV), which workers check. */
  readonly cancelled: KV;
  readonly logger: Logger;
  readonly clock: () => Date;
}

/** Load → decide → append on the run's stream, with the run history row in the same transaction. */
export function runRunCommand(
  deps: JobsDeps,
  runId: string,
  command: RunCommand,
  ctx: Partial<MessageContext>,
  options: { retries?: number } = {},
) {
  return handleCommand(deps.store, runDecider, runStreamId(runId), command, {
    inline: [projectRunEvents],
    metadata: eventMetadata(ctx),
    ...options,
  });
}

/** Load → decide → append on the schedule's stream, with the schedules row in the same transaction. */
export function runScheduleCommand(deps: JobsDeps, command: ScheduleCommand, ctx: Partial<MessageContext>) {
  return handleCommand(deps.store, scheduleDecider, scheduleStreamId(command.data.scheduleId), command, {
    inline: [projectScheduleEvents],
    metadata: eventMetadata(ctx),
  });
}
