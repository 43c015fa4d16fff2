import type { Kysely } from "kysely";
import type { SyncDb } from "./sync.tables.ts";

/** The scheduler's schedule that syncs a source on its own, as ingestion last made it. */
export interface KnownSchedule {
  readonly scheduleId: string;
  readonly cron: string;
}

// A source's schedule outlives the source by as long as it takes to delete it from the scheduler,
// so these rows are keyed by the source alone (the source row, and its project, may be gone).

export async function findSourceSchedule(
  db: Kysely<SyncDb>,
  sourceId: string,
): Promise<KnownSchedule | undefined> {
  const row = await db
    .selectFrom("source_schedules")
    .select(["schedule_id", "cron"])
    .where("source_id", "=", sourceId)
    .executeTakeFirst();
  return row && { scheduleId: row.schedule_id, cron: row.cron };
}

export async function rememberSourceSchedule(
  db: Kysely<SyncDb>,
  sourceId: string,
  schedule: KnownSchedule,
): Promise<void> {
  await db
    .insertInto("source_schedules")
    .values({ source_id: sourceId, schedule_id: schedule.scheduleId, cron: schedule.cron })
    .onConflict((oc) =>
      oc.column("source_id").doUpdateSet({ schedule_id: schedule.scheduleId, cron: schedule.cron }),
    )
    .execute();
}

export async function forgetSourceSchedule(db: Kysely<SyncDb>, sourceId: string): Promise<void> {
  await db.deleteFrom("source_schedules").where("source_id", "=", sourceId).execute();
}
