import {
  type AnyTransaction,
  readModelPart,
  replayableReadModel,
  type StoredEvent,
} from "@tessera/eventstore";
import { sql, type Transaction } from "kysely";
import { normalizeEmail } from "../domain/invitations.ts";
import { isJsonObject, mergePatch } from "../domain/merge-patch.ts";
import type { ProfileEvent } from "../domain/profile.ts";
import type { ProjectEvent } from "../domain/project-state.ts";
import { userStores } from "./event-store.ts";
import type { UserDb } from "./tables.ts";

export type UserEvent = ProfileEvent | ProjectEvent;

/**
 * Inline projection of every user-service event: profiles, projects, memberships and invitations, written in
 * the append's transaction (the next request must see them). Events arrive with personal fields
 * already opened by the store.
 */
export async function projectUserEvents(trx: AnyTransaction, events: readonly StoredEvent<UserEvent>[]) {
  for (const event of events) await apply(trx, event);
}

async function apply(trx: Transaction<UserDb>, event: UserEvent): Promise<void> {
  switch (event.type) {
    case "user.profile.created":
      await trx
        .insertInto("profiles")
        .values({ user_id: event.data.userId, email: event.data.email, created_at: event.data.createdAt })
        .execute();
      return;
    case "user.profile.updated":
      return applyProfileUpdate(trx, event.data);
    case "user.role.granted":
      await sql`update profiles set roles = array_append(roles, ${event.data.role})
                 where user_id = ${event.data.userId} and not (${event.data.role} = any(roles))`.execute(trx);
      return;
    case "user.role.revoked":
      await sql`update profiles set roles = array_remove(roles, ${event.data.role})
                 where user_id = ${event.data.userId}`.execute(trx);
      return;
    case "user.user.erased":
      await trx.deleteFrom("profiles").where("user_id", "=", event.data.userId).execute();
      await trx
        .insertInto("erased_users")
        .values({ user_id: event.data.userId, erased_at: event.data.erasedAt })
        .onConflict((oc) => oc.column("user_id").doNothing())
        .execute();
      return;
    case "user.profile.email_changed":
      await trx
        .updateTable("profiles")
        .set({ email: event.data.email, email_verified_at: event.data.changedAt })
        .where("user_id", "=", event.data.userId)
        .execute();
      return;
    case "user.profile.email_verified":
      await trx
        .updateTable("profiles")
        .set({ email_verified_at: event.data.verifiedAt })
        .where("user_id", "=", event.data.userId)
        .execute();
      return;
    case "user.project.created":
      await trx
        .insertInto("projects")
        .values({ project_id: event.data.projectId, name: event.data.name, created_at: event.data.createdAt })
        .execute();
      return;
    case "user.project.deleted":
      await trx.deleteFrom("memberships").where("project_id", "=", event.data.projectId).execute();
      await trx.deleteFrom("projects").where("project_id", "=", event.data.projectId).execute();
      return;
    case "user.membership.added":
      await trx
        .insertInto("memberships")
        .values({
          project_id: event.data.projectId,
          user_id: event.data.userId,
          role: event.data.role,
          added_at: event.data.addedAt,
        })
        .execute();
      return;
    case "user.membership.changed":
      await trx
        .updateTable("memberships")
        .set({ role: event.data.role })
        .where("project_id", "=", event.data.projectId)
        .where("user_id", "=", event.data.userId)
        .execute();
      return;
    case "user.membership.removed":
      await trx
        .deleteFrom("memberships")
        .where("project_id", "=", event.data.projectId)
        .where("user_id", "=", event.data.userId)
        .execute();
      return;
    case "user.invitation.created":
    case "user.invitation.accepted":
    case "user.invitation.declined":
    case "user.invitation.revoked":
    case "user.invitation.expired":
      return applyInvitation(trx, event);
    default: {
      const unknown: never = event;
      throw new Error(`unhandled user event ${JSON.stringify(unknown)}`);
    }
  }
}

type InvitationEvent = Extract<UserEvent, { type: `user.invitation.${string}` }>;

/** An invitation that ends forgets its address here too. */
async function applyInvitation(trx: Transaction<UserDb>, event: InvitationEvent): Promise<void> {
  switch (event.type) {
    case "user.invitation.created": {
      const { data } = event;
      await trx
        .insertInto("invitations")
        .values({
          invitation_id: data.invitationId,
          project_id: data.projectId,
          email: data.email,
          email_normalized: normalizeEmail(data.email),
          role: data.role,
          status: "pending",
          invited_by: data.invitedBy,
          expires_at: data.expiresAt,
          created_at: data.createdAt,
        })
        .execute();
      return;
    }
    case "user.invitation.accepted":
    case "user.invitation.declined":
    case "user.invitation.revoked":
    case "user.invitation.expired":
      await trx
        .updateTable("invitations")
        .set({ status: event.type.slice("user.invitation.".length), email: null, email_normalized: null })
        .where("invitation_id", "=", event.data.invitationId)
        .execute();
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unhandled invitation event ${JSON.stringify(unknown)}`);
    }
  }
}

async function applyProfileUpdate(
  trx: Transaction<UserDb>,
  data: Extract<ProfileEvent, { type: "user.profile.updated" }>["data"],
): Promise<void> {
  const row = await trx
    .selectFrom("profiles")
    .select("preferences")
    .where("user_id", "=", data.userId)
    .executeTakeFirst();
  if (!row) return;
  const current = isJsonObject(row.preferences) ? row.preferences : {};
  const changes = {
    ...(data.displayName !== undefined ? { display_name: data.displayName } : {}),
    // After an erasure the sealed patch reads as a placeholder, not an object: nothing to merge.
    ...(isJsonObject(data.preferences)
      ? { preferences: JSON.stringify(mergePatch(current, data.preferences)) }
      : {}),
  };
  if (Object.keys(changes).length === 0) return;
  await trx.updateTable("profiles").set(changes).where("user_id", "=", data.userId).execute();
}

/**
 * The same read models as a replayable projection, for `rebuildProjection`: it opens sealed fields
 * itself (a destroyed key reads as the placeholder, and the erasure that follows removes the row).
 */
export const userReadModel = replayableReadModel(userStores, {
  name: "user-read-model",
  parts: [
    readModelPart<UserEvent>(
      [
        "user.profile.created",
        "user.profile.updated",
        "user.role.granted",
        "user.role.revoked",
        "user.user.erased",
        "user.profile.email_verified",
        "user.profile.email_changed",
        "user.project.created",
        "user.project.deleted",
        "user.membership.added",
        "user.membership.changed",
        "user.membership.removed",
        "user.invitation.created",
        "user.invitation.accepted",
        "user.invitation.declined",
        "user.invitation.revoked",
        "user.invitation.expired",
      ],
      projectUserEvents,
    ),
  ],
  // Not erased_users: while the replay runs, consumers must still see who is forgotten.
  reset: async (trx) => {
    await sql`truncate profiles, projects, memberships, invitations`.execute(trx);
  },
});
