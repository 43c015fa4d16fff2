import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("profiles").addColumn("email_verified_at", "timestamptz").execute();
  await db.schema
    .createTable("invitations")
    .addColumn("invitation_id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("email_normalized", "text")
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'member', 'viewer')`))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending', 'accepted', 'declined', 'revoked', 'expired')`),
    )
    .addColumn("invited_by", "uuid", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create index invitations_of_project on invitations (project_id, created_at desc, invitation_id desc)
             where status = 'pending'`.execute(db);
  await sql`create index invitations_to_email on invitations (email_normalized, created_at desc, invitation_id desc)
             where status = 'pending'`.execute(db);
  await sql`create index invitations_expiring on invitations (expires_at) where status = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("invitations").execute();
  await db.schema.alterTable("profiles").dropColumn("email_verified_at").execute();
}
