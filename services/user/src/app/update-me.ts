import type { MessageContext, Profile, UpdateMe } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata, requireUser } from "@tessera/service-kit";
import { ProfileNotFoundError } from "../domain/errors.ts";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { userStores } from "../infra/event-store.ts";
import { findProfileById } from "../infra/profiles.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import { type EnsureProfileDeps, ensureProfile } from "./ensure-profile.ts";
import { toProfile } from "./support.ts";

/** `svc.user.me.update`: display name and a merge patch of the preferences → the updated profile. */
export function updateMe(deps: EnsureProfileDeps) {
  return async (request: UpdateMe, ctx: MessageContext): Promise<Profile> => {
    const userId = requireUser(ctx);
    // A new account may patch before its registration event arrived.
    await ensureProfile(deps, userId, ctx);
    await handleCommand(
      userStores.on(deps.db),
      profileDecider,
      profileStreamId(userId),
      {
        type: "UpdateProfile",
        data: { userId, displayName: request.displayName, preferences: request.preferences },
        meta: { now: deps.clock() },
      },
      { inline: [projectUserEvents], metadata: eventMetadata(ctx) },
    );
    const row = await findProfileById(deps.db, userId);
    if (!row) throw new ProfileNotFoundError();
    return toProfile(row);
  };
}
