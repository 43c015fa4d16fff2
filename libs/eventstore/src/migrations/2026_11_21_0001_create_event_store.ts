import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * Frozen: the event store's tables. The schema is a parameter because every service keeps its
 * store in its own schema.
 */
export function createEventStore(schema: string): Migration {
  const table = (name: string) => sql.table(`${schema}.${name}`);
  return {
    async up(db: Kysely<any>): Promise<void> {
      // transaction_id orders catch-up reads by commit safety (see docs/decisions/0002).
      // The identity keeps CACHE 1 so positions are handed out in allocation order.
      await sql`
        create table ${table("events")} (
          global_position bigint generated always as identity primary key,
          event_id uuid not null,
          stream_id text not null,
          stream_version integer not null check (stream_version > 0),
          type text not null,
          version integer not null default 1 check (version > 0),
          data jsonb not null,
          metadata jsonb not null default '{}'::jsonb,
          recorded_at timestamptz not null default now(),
          transaction_id xid8 not null default pg_current_xact_id(),
          constraint events_event_id_unique unique (event_id),
          constraint events_stream_version_unique unique (stream_id, stream_version)
        )`.execute(db);
      await sql`
        create index events_catch_up_order
          on ${table("events")} (transaction_id, global_position)`.execute(db);
      // One row per catch-up reader: async projections and the outbox relay ("$outbox").
      await sql`
        create table ${table("checkpoints")} (
          name text primary key,
          transaction_id xid8 not null default '0'::xid8,
          global_position bigint not null default 0,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table ${table("processed_events")} (
          consumer text not null,
          event_id uuid not null,
          processed_at timestamptz not null default now(),
          primary key (consumer, event_id)
        )`.execute(db);
    },
  };
}
