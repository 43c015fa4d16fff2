import type { MessageContext } from "@tessera/contracts";
import { eventMetadata, requireUser, scopedProject } from "@tessera/service-kit";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";

/**
 * `svc.user.invitations.revoke`: owners and admins withdraw a pending invitation; its address is
 * forgotten in the same transaction. A revoked one stays revoked (204 again); an accepted, declined
 * or expired one is 409 with its state's code.
 */
export function revokeInvitation(deps: ProjectCommandDeps & { clock: () => Date }) {
  return async (request: { projectId: string; invitationId: string }, ctx: MessageContext): Promise<null> => {
    const actorId = requireUser(ctx);
    const projectId = scopedProject(request, ctx);
    await runProjectCommand(
      deps,
      {
        type: "RevokeInvitation",
        data: { projectId, invitationId: request.invitationId },
        meta: { now: deps.clock(), actorId },
      },
      eventMetadata(ctx, { projectId }),
    );
    return null;
  };
}
