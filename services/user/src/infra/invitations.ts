import type { Kysely, Transaction } from "kysely";
import { type KeysetCursor, pastCursor } from "./keyset.ts";
import type { InvitationRow, UserDb } from "./tables.ts";

type Db = Kysely<UserDb> | Transaction<UserDb>;

/** An invitation with the name of its project. */
export type InvitationWithProject = InvitationRow & { project_name: string };

function withProject(db: Db) {
  return db
    .selectFrom("invitations as i")
    .innerJoin("projects as p", "p.project_id", "i.project_id")
    .selectAll("i")
    .select("p.name as project_name");
}

export async function findInvitation(
  db: Db,
  invitationId: string,
): Promise<InvitationWithProject | undefined> {
  return withProject(db).where("i.invitation_id", "=", invitationId).executeTakeFirst();
}

/** Which project an invitation belongs to, whatever became of the project. */
export async function projectOfInvitation(db: Db, invitationId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("invitations")
    .select("project_id")
    .where("invitation_id", "=", invitationId)
    .executeTakeFirst();
  return row?.project_id;
}

/** Pending and in time, of one project or to one address, newest first after the cursor. */
export async function listOpenInvitations(
  db: Db,
  of: { projectId: string } | { emailNormalized: string },
  options: { now: Date; limit: number; before?: KeysetCursor | undefined },
): Promise<InvitationWithProject[]> {
  let query = withProject(db).where("i.status", "=", "pending").where("i.expires_at", ">", options.now);
  query =
    "projectId" in of
      ? query.where("i.project_id", "=", of.projectId)
      : query.where("i.email_normalized", "=", of.emailNormalized);
  if (options.before) {
    query = query.where(pastCursor(["i.created_at", "i.invitation_id"], "before", options.before));
  }
  return query
    .orderBy("i.created_at", "desc")
    .orderBy("i.invitation_id", "desc")
    .limit(options.limit)
    .execute();
}

/** Projects holding pending invitations whose time is up, oldest first. */
export async function projectsWithExpiredInvitations(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("invitations")
    .select("project_id")
    .where("status", "=", "pending")
    .where("expires_at", "<=", now)
    .groupBy("project_id")
    .orderBy((eb) => eb.fn.min("expires_at"))
    .limit(limit)
    .execute();
  return rows.map((row) => row.project_id);
}
