import type { Bus, EventHandler } from "@tessera/bus";
import {
  ingestionSyncJob,
  type Schedule,
  schedulesCreate,
  schedulesDelete,
  schedulesGet,
  schedulesList,
  schedulesPause,
  schedulesResume,
  TesseraError,
} from "@tessera/contracts";
import { type Logger, systemContext } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { z } from "zod";
import {
  findSourceSchedule,
  forgetSourceSchedule,
  rememberSourceSchedule,
} from "../infra/source-schedules.ts";
import { findHookTarget } from "../infra/sources.ts";
import type { SyncDb } from "../infra/sync.tables.ts";

/** The consumer of ingestion's own source events that keeps each source's schedule in step. */
export const SOURCE_SCHEDULES_CONSUMER = "source-schedules";
/** One subject (the NATS server may be older than 2.10, which takes several); the handler picks. */
export const SOURCE_SCHEDULE_SUBJECTS = ["evt.ingestion.source.>"];
const CHANGES = new Set(["ingestion.source.created", "ingestion.source.updated", "ingestion.source.deleted"]);
/** The scheduler may be down a while: about twenty minutes of retries before a dead letter. */
export const SOURCE_SCHEDULES_DELIVERIES = { maxDeliver: 25, backoffMs: [1_000, 5_000, 15_000, 60_000] };

/** One schedule per source, named after it; the scheduler keeps names unique. */
export function scheduleNameOf(sourceId: string): string {
  return `ingestion-sync-${sourceId}`;
}

interface ScheduleDeps {
  readonly db: Kysely<SyncDb>;
  readonly bus: Bus;
  readonly logger: Logger;
}

interface Wanted {
  readonly projectId: string;
  readonly cron: string;
  readonly paused: boolean;
}

const asIngestion = () => systemContext("ingestion");

/**
 * Makes the scheduler's schedule for a source what the source now says: none without a
 * `config.schedule` (or once deleted), else one with its cron, paused while the source is. The
 * scheduler has no update, so a new cron is a delete and a create. Reading the source's current
 * row, not the event, makes a repeat or an old event harmless.
 */
export async function reconcileSchedule(deps: ScheduleDeps, sourceId: string): Promise<void> {
  const row = await findHookTarget(deps.db, sourceId);
  const wanted: Wanted | null =
    row?.settings.type === "chatwoot" && row.settings.schedule !== null
      ? { projectId: row.project_id, cron: row.settings.schedule, paused: row.paused }
      : null;
  const known = await findSourceSchedule(deps.db, sourceId);
  let current = known === undefined ? null : await scheduleOf(deps.bus, known.scheduleId);
  if (current !== null && (wanted === null || current.cron !== wanted.cron)) {
    await deps.bus.request(schedulesDelete, { scheduleId: current.id }, asIngestion());
    current = null;
  }
  if (current === null && known !== undefined) await forgetSourceSchedule(deps.db, sourceId);
  if (wanted === null) return;
  if (current === null) {
    current = await createSchedule(deps, sourceId, wanted);
    await rememberSourceSchedule(deps.db, sourceId, { scheduleId: current.id, cron: wanted.cron });
  }
  if (wanted.paused !== (current.status === "paused")) {
    const change = wanted.paused ? schedulesPause : schedulesResume;
    await deps.bus.request(change, { scheduleId: current.id }, asIngestion());
  }
}

async function scheduleOf(bus: Bus, scheduleId: string): Promise<Schedule | null> {
  try {
    return await bus.request(schedulesGet, { scheduleId }, asIngestion());
  } catch (error) {
    if (error instanceof TesseraError && error.code === "job.schedule_not_found") return null;
    throw error;
  }
}

/**
 * A schedule of that name may exist already: an earlier attempt created it and stopped before
 * remembering its id. It is found by name, deleted and made again, so its settings are these.
 */
async function createSchedule(deps: ScheduleDeps, sourceId: string, wanted: Wanted): Promise<Schedule> {
  const request = {
    name: scheduleNameOf(sourceId),
    cron: wanted.cron,
    timezone: "UTC",
    jobType: ingestionSyncJob.name,
    payload: { projectId: wanted.projectId, sourceId },
    // A sync catches up on everything missed by itself: one run after downtime is enough.
    overlap: "skip" as const,
    catchUp: { policy: "latest" as const, windowSeconds: 86_400 },
  };
  try {
    return await deps.bus.request(schedulesCreate, request, asIngestion());
  } catch (error) {
    if (!(error instanceof TesseraError && error.code === "job.schedule_exists")) throw error;
    const stray = await scheduleNamed(deps.bus, request.name);
    if (stray !== null) await deps.bus.request(schedulesDelete, { scheduleId: stray.id }, asIngestion());
    return deps.bus.request(schedulesCreate, request, asIngestion());
  }
}

async function scheduleNamed(bus: Bus, name: string): Promise<Schedule | null> {
  for (let cursor: string | undefined; ; ) {
    const page = await bus.request(
      schedulesList,
      { limit: 100, ...(cursor === undefined ? {} : { cursor }) },
      asIngestion(),
    );
    const found = page.items.find((schedule) => schedule.name === name);
    if (found !== undefined) return found;
    if (page.nextCursor === null) return null;
    cursor = page.nextCursor;
  }
}

const SourceEventData = z.object({ sourceId: z.uuid() });

/** Every created, updated or deleted source has its schedule reconciled; a failure is retried. */
export function onSourceChanged(deps: ScheduleDeps): EventHandler {
  return async (envelope) => {
    if (!CHANGES.has(envelope.type)) return;
    const { sourceId } = SourceEventData.parse(envelope.data);
    await reconcileSchedule(deps, sourceId);
  };
}
