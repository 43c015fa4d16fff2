import { type Kysely, sql } from "kysely";

/**
 * Identity-hook deliveries remembered for the dedupe window, per issuer (issuers are names in the
 * configuration, not sources), with what became of each: `applied` or `ignored`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("identity_hook_deliveries")
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("delivery_id", "text", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("event_type", "text")
    .addPrimaryKeyConstraint("identity_hook_deliveries_pk", ["issuer", "delivery_id"])
    .execute();
  await sql`create index identity_hook_deliveries_received on identity_hook_deliveries (received_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("identity_hook_deliveries").execute();
}
