import type { MessageContext, PlatformRole } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata, requireSystem } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { ProfileNotFoundError } from "../domain/errors.ts";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { userStores } from "../infra/event-store.ts";
import { findProfileByEmail } from "../infra/profiles.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";

interface RoleChange {
  userId: string;
  email: string;
  role: PlatformRole;
  changed: boolean;
}

/**
 * `svc.user.admin-roles.grant` / `svc.user.admin-roles.revoke`: internal operations with no route. The gateway
 * always sends a user id as the actor, so a `system:` actor means a platform tool (the CLI).
 */
export function changePlatformRole(
  deps: { db: Kysely<UserDb>; clock: () => Date },
  change: "GrantRole" | "RevokeRole",
) {
  return async (request: { email: string; role: PlatformRole }, ctx: MessageContext): Promise<RoleChange> => {
    requireSystem(ctx);
    const profile = await findProfileByEmail(deps.db, request.email);
    if (!profile) throw new ProfileNotFoundError();
    const { events } = await handleCommand(
      userStores.on(deps.db),
      profileDecider,
      profileStreamId(profile.user_id),
      { type: change, data: { userId: profile.user_id, role: request.role }, meta: { now: deps.clock() } },
      { inline: [projectUserEvents], metadata: eventMetadata(ctx) },
    );
    return { userId: profile.user_id, email: profile.email, role: request.role, changed: events.length > 0 };
  };
}
