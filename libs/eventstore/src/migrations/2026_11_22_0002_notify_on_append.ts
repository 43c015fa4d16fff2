import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * Frozen: every statement that appends events notifies the channel `<schema>.events` (delivered at
 * commit, once per transaction), so the outbox relay wakes at once instead of polling.
 */
export function notifyOnAppend(schema: string): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await sql`
        create function ${sql.table(`${schema}.notify_events_appended`)}() returns trigger
          language plpgsql as $$
        begin
          perform pg_notify(tg_table_schema || '.events', '');
          return null;
        end $$`.execute(db);
      await sql`
        create trigger events_appended after insert on ${sql.table(`${schema}.events`)}
          for each statement execute function ${sql.table(`${schema}.notify_events_appended`)}()`.execute(db);
    },
  };
}
