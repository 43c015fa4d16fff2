import type { Kysely, Transaction } from "kysely";
import { type KeysetCursor, pastCursor } from "./keyset.ts";
import type { UserDb } from "./tables.ts";

type Db = Kysely<UserDb> | Transaction<UserDb>;

export async function findProjectName(db: Db, projectId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("projects")
    .select("name")
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return row?.name;
}

export async function findMembership(
  db: Db,
  projectId: string,
  userId: string,
): Promise<{ role: string; added_at: Date } | undefined> {
  return db
    .selectFrom("memberships")
    .select(["role", "added_at"])
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

export interface MemberProjectRow {
  project_id: string;
  name: string;
  role: string;
  created_at: Date;
  added_at: Date;
}

/** The user's projects in the order they joined, after a (joinedAt, projectId) cursor. */
export async function listProjectsOf(
  db: Db,
  userId: string,
  options: { limit: number; after?: KeysetCursor | undefined },
): Promise<MemberProjectRow[]> {
  let query = memberProjects(db).where("m.user_id", "=", userId);
  if (options.after) query = query.where(pastCursor(["m.added_at", "m.project_id"], "after", options.after));
  return query.orderBy("m.added_at").orderBy("m.project_id").limit(options.limit).execute();
}

/** Project ids the user belongs to (for an erasure). */
export async function projectIdsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("memberships")
    .select("project_id")
    .where("user_id", "=", userId)
    .execute();
  return rows.map((row) => row.project_id);
}

/** The project and the user's role in it; undefined when they are not a member. */
export async function findProjectOfMember(
  db: Db,
  projectId: string,
  userId: string,
): Promise<MemberProjectRow | undefined> {
  return memberProjects(db)
    .where("m.project_id", "=", projectId)
    .where("m.user_id", "=", userId)
    .executeTakeFirst();
}

function memberProjects(db: Db) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("projects as p", "p.project_id", "m.project_id")
    .select(["p.project_id", "p.name", "m.role", "p.created_at", "m.added_at"]);
}

export interface MemberRow {
  user_id: string;
  display_name: string | null;
  role: string;
  added_at: Date;
}

/** One member with the name they show (none until their profile exists). */
export async function findMember(db: Db, projectId: string, userId: string): Promise<MemberRow | undefined> {
  return membersOf(db, projectId).where("m.user_id", "=", userId).executeTakeFirst();
}

/** The project's members in the order they joined, after a (joinedAt, userId) cursor. */
export async function listMembers(
  db: Db,
  projectId: string,
  options: { limit: number; after?: KeysetCursor | undefined },
): Promise<MemberRow[]> {
  let query = membersOf(db, projectId);
  if (options.after) query = query.where(pastCursor(["m.added_at", "m.user_id"], "after", options.after));
  return query.orderBy("m.added_at").orderBy("m.user_id").limit(options.limit).execute();
}

function membersOf(db: Db, projectId: string) {
  return db
    .selectFrom("memberships as m")
    .leftJoin("profiles as u", "u.user_id", "m.user_id")
    .select(["m.user_id", "u.display_name", "m.role", "m.added_at"])
    .where("m.project_id", "=", projectId);
}
