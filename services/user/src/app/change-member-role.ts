import type { Member, MessageContext, ProjectRole } from "@tessera/contracts";
import { eventMetadata, requireUser, scopedProject } from "@tessera/service-kit";
import { MemberNotFoundError } from "../domain/errors.ts";
import { findMember } from "../infra/projects.ts";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";
import { toMember } from "./support.ts";

/**
 * `svc.user.members.update`: owners and admins change a member's role; only an owner gives or takes
 * `owner`, and the last owner is never demoted (409 `user.last_owner`).
 */
export function changeMemberRole(deps: ProjectCommandDeps & { clock: () => Date }) {
  return async (
    request: { projectId: string; userId: string; role: ProjectRole },
    ctx: MessageContext,
  ): Promise<Member> => {
    const actorId = requireUser(ctx);
    const projectId = scopedProject(request, ctx);
    const { userId, role } = request;
    await runProjectCommand(
      deps,
      { type: "ChangeMemberRole", data: { projectId, userId, role }, meta: { now: deps.clock(), actorId } },
      eventMetadata(ctx, { projectId }),
    );
    const member = await findMember(deps.db, projectId, userId);
    if (!member) throw new MemberNotFoundError();
    return toMember(member);
  };
}
