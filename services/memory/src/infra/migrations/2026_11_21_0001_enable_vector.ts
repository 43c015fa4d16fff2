import { type Kysely, sql } from "kysely";

/** pgvector lives database-wide in `public`; the memory schema's tables use its `vector` type. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists vector with schema public`.execute(db);
}

export async function down(): Promise<void> {
  // Other databases objects may depend on the extension; dropping it is an operator's decision.
}
