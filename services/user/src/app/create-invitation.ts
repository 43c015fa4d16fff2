import { randomUUID } from "node:crypto";
import type { CreateInvitationRequest, Invitation, MessageContext } from "@tessera/contracts";
import { eventMetadata, requireUser, scopedProject } from "@tessera/service-kit";
import { InvitationNotFoundError } from "../domain/errors.ts";
import { findInvitation } from "../infra/invitations.ts";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";
import { toInvitation } from "./support.ts";

/**
 * `svc.user.invitations.create`: owners and admins invite an address. Nothing about accounts is
 * looked up, so the answer is the same whether or not anyone has that address; the invitee joins
 * only by accepting. `user.invitation.created` carries what the invitation email needs.
 */
export function createInvitation(deps: ProjectCommandDeps & { clock: () => Date; invitationTtlMs: number }) {
  return async (request: CreateInvitationRequest, ctx: MessageContext): Promise<Invitation> => {
    const actorId = requireUser(ctx);
    const projectId = scopedProject(request, ctx);
    const now = deps.clock();
    const invitationId = randomUUID();
    const expiresAt = new Date(now.getTime() + deps.invitationTtlMs).toISOString();
    await runProjectCommand(
      deps,
      {
        type: "InviteMember",
        data: { projectId, invitationId, email: request.email, role: request.role, expiresAt },
        meta: { now, actorId },
      },
      eventMetadata(ctx, { projectId }),
    );
    const row = await findInvitation(deps.db, invitationId);
    if (!row) throw new InvitationNotFoundError();
    return toInvitation(row, now);
  };
}
