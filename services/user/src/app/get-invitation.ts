import type { Invitation, MessageContext } from "@tessera/contracts";
import { requireUser, scopedProject } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { InvitationNotFoundError } from "../domain/errors.ts";
import { findInvitation } from "../infra/invitations.ts";
import type { UserDb } from "../infra/tables.ts";
import { requireInvitationManager } from "./invitation-access.ts";
import { toInvitation } from "./support.ts";

/** `svc.user.invitations.get`: one of the project's invitations, whatever its state (owners and admins). */
export function getInvitation(deps: { db: Kysely<UserDb>; clock: () => Date }) {
  return async (
    request: { projectId: string; invitationId: string },
    ctx: MessageContext,
  ): Promise<Invitation> => {
    const projectId = scopedProject(request, ctx);
    await requireInvitationManager(deps.db, projectId, requireUser(ctx));
    const row = await findInvitation(deps.db, request.invitationId);
    if (!row || row.project_id !== projectId) throw new InvitationNotFoundError();
    return toInvitation(row, deps.clock());
  };
}
