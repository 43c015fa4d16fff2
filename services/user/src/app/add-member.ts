import {
  type AddMemberRequest,
  type Membership,
  type MessageContext,
  NotFoundError,
  ProjectRoleSchema,
} from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata, requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { ProjectNotFoundError } from "../domain/errors.ts";
import { projectDecider, projectStreamId } from "../domain/project.ts";
import { userStores } from "../infra/event-store.ts";
import { findProfileByEmail, findProfileById } from "../infra/profiles.ts";
import { findMembership } from "../infra/projects.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";

export class UserNotFoundError extends NotFoundError {
  override name = "UserNotFoundError";
  constructor() {
    super("user.not_found", "No user matches that id or email.");
  }
}

/**
 * `svc.user.members.add`: owners and admins add a user (by id or email) or change a member's
 * role. The actor's role is checked on the project's own events, whatever the headers say.
 */
export function addMember(deps: { db: Kysely<UserDb>; clock: () => Date }) {
  return async (request: AddMemberRequest, ctx: MessageContext): Promise<Membership> => {
    const actorId = requireUser(ctx);
    if (ctx.projectId !== undefined && ctx.projectId !== request.projectId) throw new ProjectNotFoundError();
    const target =
      request.userId !== undefined
        ? await findProfileById(deps.db, request.userId)
        : await findProfileByEmail(deps.db, request.email ?? "");
    if (!target) throw new UserNotFoundError();
    await handleCommand(
      userStores.on(deps.db),
      projectDecider,
      projectStreamId(request.projectId),
      {
        type: "AddMember",
        data: { projectId: request.projectId, userId: target.user_id, role: request.role },
        meta: { now: deps.clock(), actorId },
      },
      { inline: [projectUserEvents], metadata: eventMetadata(ctx, { projectId: request.projectId }) },
    );
    const membership = await findMembership(deps.db, request.projectId, target.user_id);
    if (!membership) throw new UserNotFoundError();
    return {
      projectId: request.projectId,
      userId: target.user_id,
      role: ProjectRoleSchema.parse(membership.role),
      addedAt: membership.added_at.toISOString(),
    };
  };
}
