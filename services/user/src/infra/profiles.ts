import type { Kysely, Transaction } from "kysely";
import type { ProfileEvent } from "../domain/profile.ts";
import type { ProfileRow, UserDb } from "./tables.ts";

type Db = Kysely<UserDb> | Transaction<UserDb>;

export async function findProfileById(db: Db, userId: string): Promise<ProfileRow | undefined> {
  return db.selectFrom("profiles").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

/** Inline projection: the profile row, written in the append transaction. */
export async function projectProfileEvents(
  trx: Transaction<UserDb>,
  events: readonly ProfileEvent[],
): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case "user.profile.created":
        await trx
          .insertInto("profiles")
          .values({ user_id: event.data.userId, email: event.data.email, created_at: event.data.createdAt })
          .execute();
        break;
      default: {
        const unknown: never = event.type;
        throw new Error(`unhandled profile event ${String(unknown)}`);
      }
    }
  }
}
