import { type Membership, type MessageContext, ProjectRoleSchema } from "@tessera/contracts";
import { eventMetadata, requireUser } from "@tessera/service-kit";
import { InvitationNotFoundError, ProfileNotFoundError } from "../domain/errors.ts";
import { projectOfInvitation } from "../infra/invitations.ts";
import { findMembership } from "../infra/projects.ts";
import { type EnsureProfileDeps, ensureProfile } from "./ensure-profile.ts";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";

type AnswerDeps = ProjectCommandDeps & EnsureProfileDeps;

/**
 * The invitee answers: the decider compares the invited address with the caller's profile email and
 * wants it verified (`auth.email.verified`), so only that account can answer. An ended invitation is
 * 409 with its state's code (`user.invitation_expired`, …); its address is forgotten at once.
 */
async function answer(
  deps: AnswerDeps,
  type: "AcceptInvitation" | "DeclineInvitation",
  invitationId: string,
  ctx: MessageContext,
): Promise<{ projectId: string; userId: string }> {
  const userId = requireUser(ctx);
  const projectId = await projectOfInvitation(deps.db, invitationId);
  if (projectId === undefined) throw new InvitationNotFoundError();
  const profile = await ensureProfile(deps, userId, ctx, { verifiedEmail: true });
  if (!profile) throw new ProfileNotFoundError();
  const invitee = {
    projectId,
    invitationId,
    userId,
    email: profile.email,
    emailVerified: profile.email_verified_at !== null,
  };
  await runProjectCommand(
    deps,
    { type, data: invitee, meta: { now: deps.clock(), actorId: userId } },
    eventMetadata(ctx, { projectId }),
  );
  return { projectId, userId };
}

/** `svc.user.invitations.accept`: the invitee joins with the invited role (a member keeps theirs). */
export function acceptInvitation(deps: AnswerDeps) {
  return async (request: { invitationId: string }, ctx: MessageContext): Promise<Membership> => {
    const { projectId, userId } = await answer(deps, "AcceptInvitation", request.invitationId, ctx);
    const membership = await findMembership(deps.db, projectId, userId);
    if (!membership) throw new InvitationNotFoundError();
    return {
      projectId,
      userId,
      role: ProjectRoleSchema.parse(membership.role),
      addedAt: membership.added_at.toISOString(),
    };
  };
}

/** `svc.user.invitations.decline`: the invitee turns it down. */
export function declineInvitation(deps: AnswerDeps) {
  return async (request: { invitationId: string }, ctx: MessageContext): Promise<null> => {
    await answer(deps, "DeclineInvitation", request.invitationId, ctx);
    return null;
  };
}
