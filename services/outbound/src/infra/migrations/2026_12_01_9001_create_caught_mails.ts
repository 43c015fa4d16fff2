import { type Kysely, sql } from "kysely";

/**
 * The local mail catcher's mails (development only): each as parsed, with its raw size. Not
 * project data and not events: a bounded table the catcher prunes itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("caught_mails")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("envelope_to", "jsonb", (c) => c.notNull())
    .addColumn("from_header", "text")
    .addColumn("to_header", "text")
    .addColumn("subject", "text")
    .addColumn("message_id", "text")
    .addColumn("headers", "jsonb", (c) => c.notNull())
    .addColumn("text_body", "text")
    .addColumn("html_body", "text")
    .addColumn("size", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("caught_mails_received")
    .on("caught_mails")
    .columns(["received_at", "id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("caught_mails").execute();
}
