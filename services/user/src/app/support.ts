import {
  type EventMetadata,
  type MessageContext,
  type PlatformRole,
  PlatformRoleSchema,
  type Profile,
  UnauthorizedError,
} from "@tessera/contracts";
import {
  type AnyDb,
  type AnyTransaction,
  createEventStore,
  createPersonalDataVault,
  type EventLike,
  type EventStore,
  type PersonalFields,
  withPersonalData,
} from "@tessera/eventstore";
import { z } from "zod";
import { USER_SCHEMA } from "../infra/read-model.ts";
import type { ProfileRow } from "../infra/tables.ts";

const SealedProfileFields = z.object({ userId: z.string() });

/** Personal fields of the user service's own events, sealed under the user's key. */
export function personalFieldsOf(event: EventLike): PersonalFields | undefined {
  const fields =
    event.type === "user.profile.created"
      ? ["email"]
      : event.type === "user.profile.updated"
        ? ["displayName", "preferences"]
        : undefined;
  const subject = SealedProfileFields.safeParse(event.data);
  return fields && subject.success ? { subjectId: subject.data.userId, fields } : undefined;
}

/** The event store of the `users` schema, sealing personal fields; build it on the handle you write with. */
export function userStore(db: AnyDb | AnyTransaction): EventStore {
  return withPersonalData(createEventStore(db, { schema: USER_SCHEMA }), {
    vault: createPersonalDataVault(db, { schema: USER_SCHEMA }),
    policy: personalFieldsOf,
  });
}

/** The signed-in caller, as the gateway verified them. */
export function callerId(ctx: MessageContext): string {
  const userId = z.uuid().safeParse(ctx.actor);
  if (!userId.success) {
    throw new UnauthorizedError("auth.unauthenticated", "This operation needs a signed-in user.");
  }
  return userId.data;
}

export function eventMetadata(ctx: MessageContext, actor = ctx.actor): EventMetadata {
  return {
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(actor ? { actor } : {}),
    ...(ctx.projectId ? { projectId: ctx.projectId } : {}),
  };
}

export function platformRoles(roles: readonly string[]): PlatformRole[] {
  return roles.flatMap((role) => {
    const parsed = PlatformRoleSchema.safeParse(role);
    return parsed.success ? [parsed.data] : [];
  });
}

export function toProfile(row: ProfileRow): Profile {
  return {
    id: row.user_id,
    email: row.email,
    displayName: row.display_name,
    roles: platformRoles(row.roles),
    preferences: row.preferences,
    createdAt: row.created_at.toISOString(),
  };
}
