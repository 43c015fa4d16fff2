import type { MessageContext } from "@tessera/contracts";
import { eventMetadata, requireUser, scopedProject } from "@tessera/service-kit";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";

/**
 * `svc.user.members.remove`: owners and admins remove members, anyone leaves; the last owner
 * stays (409 `user.last_owner`) and only an owner removes an owner.
 */
export function removeMember(deps: ProjectCommandDeps & { clock: () => Date }) {
  return async (
    request: { projectId: string; userId: string },
    ctx: MessageContext,
  ): Promise<{ projectId: string; userId: string }> => {
    const actorId = requireUser(ctx);
    const projectId = scopedProject(request, ctx);
    await runProjectCommand(
      deps,
      {
        type: "RemoveMember",
        data: { projectId, userId: request.userId },
        meta: { now: deps.clock(), actorId },
      },
      eventMetadata(ctx, { projectId }),
    );
    return request;
  };
}
