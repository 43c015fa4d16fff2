import type { ColumnType, Generated, Selectable } from "kysely";

type Timestamp = ColumnType<Date, string, string>;
type NullableTimestamp = ColumnType<Date | null, string | null, string | null>;
/** jsonb goes in as JSON text. */
type Json<T> = ColumnType<T, string, string>;

export interface RunsTable {
  run_id: string;
  job_type: string;
  status: string;
  generation: number;
  attempt: Generated<number>;
  attempts_before: Generated<number>;
  payload: Json<unknown>;
  schedule_id: string | null;
  occurrence: NullableTimestamp;
  queued_at: Timestamp;
  run_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  retry_at: NullableTimestamp;
  error: string | null;
  dispatch_at: NullableTimestamp;
  updated_at: ColumnType<Date, string | undefined, string>;
}

export interface SchedulesTable {
  schedule_id: string;
  name: string;
  cron: string;
  timezone: string;
  job_type: string;
  payload: Json<unknown>;
  overlap: string;
  catch_up: Json<unknown>;
  status: string;
  next_fire_at: NullableTimestamp;
  last_run_id: string | null;
  buffered_occurrence: NullableTimestamp;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
  /** The version of the schedule's stream this row shows: commands append after it. */
  stream_version: number;
}

/** The `jobs` schema's read models, as Kysely sees them. */
export interface JobsDb {
  runs: RunsTable;
  schedules: SchedulesTable;
}

export type RunRow = Selectable<RunsTable>;
export type ScheduleRow = Selectable<SchedulesTable>;
