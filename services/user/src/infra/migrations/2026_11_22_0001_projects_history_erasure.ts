import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index profiles_email_lower on profiles (lower(email))`.execute(db);
  await db.schema
    .createTable("projects")
    .addColumn("project_id", "uuid", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("memberships")
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("user_id", "uuid", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('owner', 'admin', 'member', 'viewer')`))
    .addColumn("added_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("memberships_pk", ["project_id", "user_id"])
    .execute();
  await sql`create index memberships_by_user on memberships (user_id, added_at, project_id)`.execute(db);
  await db.schema
    .createTable("user_history")
    .addColumn("user_id", "uuid", (c) => c.notNull())
    .addColumn("event_id", "uuid", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull())
    .addColumn("request_id", "text")
    .addPrimaryKeyConstraint("user_history_pk", ["user_id", "event_id"])
    .execute();
  await sql`create index user_history_page on user_history (user_id, occurred_at desc, event_id desc)`.execute(
    db,
  );
  await db.schema
    .createTable("erased_users")
    .addColumn("user_id", "uuid", (c) => c.primaryKey())
    .addColumn("erased_at", "timestamptz", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("erased_users").execute();
  await db.schema.dropTable("user_history").execute();
  await db.schema.dropTable("memberships").execute();
  await db.schema.dropTable("projects").execute();
  await sql`drop index profiles_email_lower`.execute(db);
}
