import { type Kysely, sql } from "kysely";

/** The leader asks every tick whether a schedule has an unfinished run; finished runs pile up by the million. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index runs_unfinished_by_schedule_idx on runs (schedule_id)
    where schedule_id is not null and status not in ('succeeded', 'dead', 'cancelled')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index runs_unfinished_by_schedule_idx`.execute(db);
}
