import type { MessageContext, Profile } from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import { ProfileNotFoundError } from "../domain/errors.ts";
import { type EnsureProfileDeps, ensureProfile } from "./ensure-profile.ts";
import { toProfile } from "./support.ts";

/** `svc.user.me.get`: the caller's profile, there from their first request on. */
export function getMe(deps: EnsureProfileDeps) {
  return async (_request: Record<string, never>, ctx: MessageContext): Promise<Profile> => {
    const row = await ensureProfile(deps, requireUser(ctx), ctx);
    if (!row) throw new ProfileNotFoundError();
    return toProfile(row);
  };
}
