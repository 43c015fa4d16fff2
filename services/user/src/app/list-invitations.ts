import {
  decodeCursor,
  type InvitationPage,
  type MessageContext,
  type PageQuery,
  pageOf,
} from "@tessera/contracts";
import { requireUser, scopedProject } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { normalizeEmail } from "../domain/invitations.ts";
import { type InvitationWithProject, listOpenInvitations } from "../infra/invitations.ts";
import type { UserDb } from "../infra/tables.ts";
import { type EnsureProfileDeps, ensureProfile } from "./ensure-profile.ts";
import { requireInvitationManager } from "./invitation-access.ts";
import { KeysetCursorSchema, toInvitation } from "./support.ts";

async function pageOfInvitations(
  db: Kysely<UserDb>,
  of: Parameters<typeof listOpenInvitations>[1],
  request: PageQuery,
  now: Date,
): Promise<InvitationPage> {
  const before = decodeCursor(KeysetCursorSchema, request.cursor);
  const rows = await listOpenInvitations(db, of, { now, limit: request.limit + 1, before });
  return pageOf(
    rows,
    request.limit,
    (row: InvitationWithProject) => toInvitation(row, now),
    (row) => ({ at: row.created_at.toISOString(), id: row.invitation_id }),
  );
}

/** `svc.user.invitations.list`: the project's pending invitations, newest first (owners and admins). */
export function listProjectInvitations(deps: { db: Kysely<UserDb>; clock: () => Date }) {
  return async (request: PageQuery & { projectId: string }, ctx: MessageContext): Promise<InvitationPage> => {
    const projectId = scopedProject(request, ctx);
    await requireInvitationManager(deps.db, projectId, requireUser(ctx));
    return pageOfInvitations(deps.db, { projectId }, request, deps.clock());
  };
}

/**
 * `svc.user.received-invitations.list`: pending invitations to the caller's email, once `auth` has
 * seen that email verified; before that, none (the address is not yet shown to be theirs).
 */
export function listReceivedInvitations(deps: EnsureProfileDeps) {
  return async (request: PageQuery, ctx: MessageContext): Promise<InvitationPage> => {
    const profile = await ensureProfile(deps, requireUser(ctx), ctx, { verifiedEmail: true });
    if (!profile?.email_verified_at) return { items: [], nextCursor: null };
    const emailNormalized = normalizeEmail(profile.email);
    return pageOfInvitations(deps.db, { emailNormalized }, request, deps.clock());
  };
}
