import type { MessageContext } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata, requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { ProjectNotFoundError } from "../domain/errors.ts";
import { projectDecider, projectStreamId } from "../domain/project.ts";
import { userStores } from "../infra/event-store.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";

/**
 * `svc.user.members.remove`: owners and admins remove members, anyone leaves; the last owner
 * stays (409 `user.last_owner`) and only an owner removes an owner.
 */
export function removeMember(deps: { db: Kysely<UserDb>; clock: () => Date }) {
  return async (
    request: { projectId: string; userId: string },
    ctx: MessageContext,
  ): Promise<{ projectId: string; userId: string }> => {
    const actorId = requireUser(ctx);
    if (ctx.projectId !== undefined && ctx.projectId !== request.projectId) throw new ProjectNotFoundError();
    await handleCommand(
      userStores.on(deps.db),
      projectDecider,
      projectStreamId(request.projectId),
      { type: "RemoveMember", data: request, meta: { now: deps.clock(), actorId } },
      { inline: [projectUserEvents], metadata: eventMetadata(ctx, { projectId: request.projectId }) },
    );
    return request;
  };
}
