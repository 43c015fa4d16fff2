import { type MessageContext, NotFoundError, type Profile, UnauthorizedError } from "@tessera/contracts";
import type { Kysely } from "kysely";
import { z } from "zod";
import { findProfileById } from "../infra/profiles.ts";
import type { UserDb } from "../infra/tables.ts";

export class ProfileNotFoundError extends NotFoundError {
  override name = "ProfileNotFoundError";
  constructor() {
    super("user.not_found", "No profile exists for this account yet.");
  }
}

/** `svc.user.me.get`: the caller's profile, read from the projection. */
export function getMe(deps: { db: Kysely<UserDb> }) {
  return async (_request: Record<string, never>, ctx: MessageContext): Promise<Profile> => {
    const userId = z.uuid().safeParse(ctx.actor);
    if (!userId.success) {
      throw new UnauthorizedError("auth.unauthenticated", "This operation needs a signed-in user.");
    }
    const row = await findProfileById(deps.db, userId.data);
    if (!row) throw new ProfileNotFoundError();
    return {
      id: row.user_id,
      email: row.email,
      displayName: row.display_name,
      roles: row.roles.filter((role): role is "admin" => role === "admin"),
      preferences: row.preferences,
      createdAt: row.created_at.toISOString(),
    };
  };
}
