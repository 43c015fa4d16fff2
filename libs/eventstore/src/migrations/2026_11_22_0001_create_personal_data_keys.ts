import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * Frozen: the per-subject key vault for personal fields in events (crypto-shredding). A destroyed
 * key keeps its row as a tombstone (`key` null, `destroyed_at` set), so nothing can quietly
 * create a fresh key for an erased subject.
 */
export function createPersonalDataKeys(schema: string): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await sql`
        create table ${sql.table(`${schema}.personal_data_keys`)} (
          subject_id text primary key,
          key bytea,
          created_at timestamptz not null default now(),
          destroyed_at timestamptz,
          constraint personal_data_keys_key_or_tombstone
            check ((key is null) = (destroyed_at is not null))
        )`.execute(db);
    },
  };
}
