import type { KV } from "@nats-io/kv";
import type { MessageContext } from "@tessera/contracts";
import {
  type EventStore,
  ExpectedVersionConflictError,
  handleCommand,
  type StoredEvent,
} from "@tessera/eventstore";
import { eventMetadata, type Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { type RunCommand, runDecider } from "../domain/decide-run.ts";
import { decideSchedule, type ScheduleCommand } from "../domain/decide-schedule.ts";
import { runStreamId } from "../domain/run.ts";
import { type ScheduleEvent, scheduleStreamId } from "../domain/schedule.ts";
import type { JobPublisher } from "../infra/job-publisher.ts";
import { projectRunEvents } from "../infra/runs.ts";
import { projectScheduleEvents } from "../infra/schedule-projection.ts";
import { loadScheduleState } from "../infra/schedules.ts";
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

/** A schedule command decided again on a newer row after a version conflict, at most this often. */
const SCHEDULE_COMMAND_RETRIES = 3;

/**
 * Load → decide → append on the schedule's stream, with the schedules row in the same transaction.
 * The state comes from the row at the stream version it records, not from folding the stream: a
 * schedule's stream grows by an event per tick that fires it. A version conflict (another leader's
 * tick, a concurrent command) is decided again on the newer row.
 */
export async function runScheduleCommand(
  deps: JobsDeps,
  command: ScheduleCommand,
  ctx: Partial<MessageContext>,
): Promise<StoredEvent<ScheduleEvent>[]> {
  const { scheduleId } = command.data;
  for (let attempt = 0; ; attempt++) {
    const { state, version } = await loadScheduleState(deps.db, scheduleId);
    const events = decideSchedule(command, state);
    if (events.length === 0) return [];
    try {
      const appended = await deps.store.append(scheduleStreamId(scheduleId), events, {
        expectedVersion: version,
        inline: [projectScheduleEvents],
        metadata: eventMetadata(ctx),
      });
      return appended.events;
    } catch (error) {
      if (!(error instanceof ExpectedVersionConflictError) || attempt >= SCHEDULE_COMMAND_RETRIES)
        throw error;
    }
  }
}
