import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * Frozen: where the bus stored each published event that carried a subject's personal fields in
 * the clear, so erasing the subject can delete those copies from JetStream too.
 */
export function createPublishedPersonalData(schema: string): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await sql`
        create table ${sql.table(`${schema}.published_personal_data`)} (
          subject_id text not null,
          event_id uuid not null,
          stream text not null,
          seq bigint not null,
          -- Every copy: a resend after the duplicate window is stored again, under a new sequence.
          primary key (subject_id, stream, seq)
        )`.execute(db);
    },
  };
}
