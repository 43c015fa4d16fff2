import type { MessageContext, Profile } from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { ProfileNotFoundError } from "../domain/errors.ts";
import { findProfileById } from "../infra/profiles.ts";
import type { UserDb } from "../infra/tables.ts";
import { toProfile } from "./support.ts";

/** `svc.user.me.get`: the caller's profile, read from the projection. */
export function getMe(deps: { db: Kysely<UserDb> }) {
  return async (_request: Record<string, never>, ctx: MessageContext): Promise<Profile> => {
    const row = await findProfileById(deps.db, requireUser(ctx));
    if (!row) throw new ProfileNotFoundError();
    return toProfile(row);
  };
}
