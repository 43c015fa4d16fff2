import type { MessageContext } from "@tessera/contracts";
import { type AnyTransaction, handleCommand } from "@tessera/eventstore";
import { eventMetadata, requireSystem, requireUser } from "@tessera/service-kit";
import { InvitationClosedError, InvitationNotFoundError } from "../domain/errors.ts";
import { normalizeEmail } from "../domain/invitations.ts";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { userStores } from "../infra/event-store.ts";
import { listOpenInvitations } from "../infra/invitations.ts";
import { findProfileById } from "../infra/profiles.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";

/** Open invitations to one address declined at an erasure; more than this is not a real inbox. @default 1_000 */
const MAX_DECLINED_AT_ERASURE = 1_000;

type EraseDeps = ProjectCommandDeps & { clock: () => Date };
type ErasureStarted = { userId: string; status: "erasure_started" };

/**
 * `svc.user.me.erase` → 202: appends `user.user.erased` and, in the same transaction, deletes the
 * bus's copies of the user's published events, destroys the user's key and drops the profile row,
 * so the profile is gone when the caller gets the answer. Open invitations to their verified address
 * are declined first, which forgets that address there too. Memberships, history and every other
 * service follow on the published event (which also catches copies published meanwhile).
 */
export function eraseMe(deps: EraseDeps) {
  return async (_request: Record<string, never>, ctx: MessageContext): Promise<ErasureStarted> =>
    eraseUser(deps, requireUser(ctx), ctx);
}

/**
 * `svc.user.users.erase` (platform callers only): the same erasure for a user the platform names,
 * e.g. auth when an identity provider deleted the person. Idempotent: an erased user stays erased.
 */
export function eraseUserById(deps: EraseDeps) {
  return async (request: { userId: string }, ctx: MessageContext): Promise<ErasureStarted> => {
    requireSystem(ctx);
    return eraseUser(deps, request.userId, ctx);
  };
}

async function eraseUser(deps: EraseDeps, userId: string, ctx: MessageContext): Promise<ErasureStarted> {
  await deps.db.transaction().execute(async (trx) => {
    await declineInvitationsTo(deps, userId, ctx, trx);
    // The key first, as every writer of the profile takes it before the stream: a registration
    // being recorded at this moment waits here instead of deadlocking with the erasure.
    await userStores.vault(trx).erase(userId, deps.deletePublished);
    await handleCommand(
      userStores.on(trx),
      profileDecider,
      profileStreamId(userId),
      { type: "EraseUser", data: { userId }, meta: { now: deps.clock() } },
      { inline: [projectUserEvents], metadata: eventMetadata(ctx) },
    );
  });
  return { userId, status: "erasure_started" };
}

/** Only a verified address is the user's to give up: anyone can register with someone else's. */
async function declineInvitationsTo(
  deps: EraseDeps,
  userId: string,
  ctx: MessageContext,
  trx: AnyTransaction,
): Promise<void> {
  const profile = await findProfileById(trx, userId);
  if (!profile?.email_verified_at) return;
  const now = deps.clock();
  const open = await listOpenInvitations(
    trx,
    { emailNormalized: normalizeEmail(profile.email) },
    { now, limit: MAX_DECLINED_AT_ERASURE },
  );
  for (const invitation of open) {
    const projectId = invitation.project_id;
    const invitee = {
      projectId,
      invitationId: invitation.invitation_id,
      userId,
      email: profile.email,
      emailVerified: true,
    };
    try {
      await runProjectCommand(
        deps,
        { type: "DeclineInvitation", data: invitee, meta: { now, actorId: userId } },
        eventMetadata(ctx, { projectId }),
        trx,
      );
    } catch (error) {
      // Ended meanwhile (revoked, say): nothing left to forget there.
      if (!(error instanceof InvitationClosedError || error instanceof InvitationNotFoundError)) throw error;
    }
  }
}
