import { type Kysely, sql, type Transaction } from "kysely";
import type { ProfileRow, UserDb } from "./tables.ts";

type Db = Kysely<UserDb> | Transaction<UserDb>;

export async function findProfileById(db: Db, userId: string): Promise<ProfileRow | undefined> {
  return db.selectFrom("profiles").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

/** Emails are unique in `auth` regardless of case; the lookup ignores case too (index on lower(email)). */
export async function findProfileByEmail(db: Db, email: string): Promise<ProfileRow | undefined> {
  return db
    .selectFrom("profiles")
    .selectAll()
    .where(sql<string>`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirst();
}

export async function platformRolesOf(db: Db, userId: string): Promise<string[]> {
  const row = await db
    .selectFrom("profiles")
    .select("roles")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row?.roles ?? [];
}

export async function markErased(db: Db, userId: string, erasedAt: string): Promise<void> {
  await db
    .insertInto("erased_users")
    .values({ user_id: userId, erased_at: erasedAt })
    .onConflict((oc) => oc.column("user_id").doNothing())
    .execute();
}

export async function isErased(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom("erased_users")
    .select("user_id")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row !== undefined;
}
