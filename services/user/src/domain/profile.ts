import { jsonBytes, type PlatformRole, PREFERENCES_MAX_BYTES } from "@tessera/contracts";
import { PreferencesTooLargeError, ProfileNotFoundError } from "./errors.ts";
import { isJsonObject, type JsonObject, mergePatch } from "./merge-patch.ts";

export interface CommandMeta {
  now: Date;
}

/**
 * The profile aggregate: one stream per user (`user-<id>`), created from the account
 * registration. `email`, `displayName` and `preferences` are personal: sealed in the store.
 */
export type ProfileEvent =
  | { type: "user.profile.created"; data: { userId: string; email: string; createdAt: string } }
  | {
      type: "user.profile.updated";
      data: { userId: string; displayName?: string | null; preferences?: JsonObject; updatedAt: string };
    }
  | { type: "user.role.granted"; data: { userId: string; role: PlatformRole; grantedAt: string } }
  | { type: "user.role.revoked"; data: { userId: string; role: PlatformRole; revokedAt: string } }
  | { type: "user.user.erased"; data: { userId: string; erasedAt: string } }
  /** `auth` saw the account's email verified (`evt.auth.email.verified`); the email is the profile's. */
  | { type: "user.profile.email_verified"; data: { userId: string; verifiedAt: string } }
  /** `auth` moved the account to a new, verified address (`evt.auth.account.email_changed`). */
  | { type: "user.profile.email_changed"; data: { userId: string; email: string; changedAt: string } };

export type ProfileState =
  | { status: "absent" }
  | {
      status: "active";
      userId: string;
      email: string;
      displayName: string | null;
      preferences: JsonObject;
      roles: readonly PlatformRole[];
      /** Set by `user.profile.email_verified`; absent until then. */
      emailVerified?: true;
    }
  | { status: "erased"; userId: string };

export type ProfileCommand =
  | {
      type: "CreateProfile";
      /** `displayName`: given at sign-up, already trimmed and checked by the contract. */
      data: { userId: string; email: string; displayName?: string };
      meta: CommandMeta;
    }
  | {
      type: "UpdateProfile";
      data: { userId: string; displayName?: string | null; preferences?: JsonObject };
      meta: CommandMeta;
    }
  | { type: "GrantRole"; data: { userId: string; role: PlatformRole }; meta: CommandMeta }
  | { type: "RevokeRole"; data: { userId: string; role: PlatformRole }; meta: CommandMeta }
  | { type: "EraseUser"; data: { userId: string }; meta: CommandMeta }
  | { type: "RecordEmailVerified"; data: { userId: string }; meta: CommandMeta }
  | { type: "ChangeEmail"; data: { userId: string; email: string }; meta: CommandMeta };

export function decideProfile(command: ProfileCommand, state: ProfileState): ProfileEvent[] {
  const at = command.meta.now.toISOString();
  switch (command.type) {
    case "CreateProfile":
      return decideCreate(command.data, state, at);
    case "UpdateProfile":
      return decideUpdate(command.data, active(state), at);
    case "GrantRole": {
      const profile = active(state);
      if (profile.roles.includes(command.data.role)) return [];
      return [{ type: "user.role.granted", data: { ...command.data, grantedAt: at } }];
    }
    case "RevokeRole": {
      const profile = active(state);
      if (!profile.roles.includes(command.data.role)) return [];
      return [{ type: "user.role.revoked", data: { ...command.data, revokedAt: at } }];
    }
    case "EraseUser":
      if (state.status === "erased") return [];
      return [{ type: "user.user.erased", data: { userId: command.data.userId, erasedAt: at } }];
    case "RecordEmailVerified":
      if (state.status !== "active" || state.emailVerified) return [];
      return [{ type: "user.profile.email_verified", data: { userId: command.data.userId, verifiedAt: at } }];
    case "ChangeEmail":
      if (state.status !== "active" || (state.email === command.data.email && state.emailVerified)) return [];
      return [{ type: "user.profile.email_changed", data: { ...command.data, changedAt: at } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function active(state: ProfileState): Extract<ProfileState, { status: "active" }> {
  if (state.status !== "active") throw new ProfileNotFoundError();
  return state;
}

function decideCreate(
  data: Extract<ProfileCommand, { type: "CreateProfile" }>["data"],
  state: ProfileState,
  at: string,
): ProfileEvent[] {
  // An account erased before its registration reached us stays erased; the registration event and
  // a new account's first request may both create the profile: one wins, the other decides nothing.
  if (state.status !== "absent") return [];
  const { userId, email, displayName } = data;
  const created: ProfileEvent = { type: "user.profile.created", data: { userId, email, createdAt: at } };
  if (displayName === undefined) return [created];
  // The name a sign-up gave is set as any later change of it is: sealed and projected alike.
  return [created, { type: "user.profile.updated", data: { userId, displayName, updatedAt: at } }];
}

function decideUpdate(
  data: Extract<ProfileCommand, { type: "UpdateProfile" }>["data"],
  profile: Extract<ProfileState, { status: "active" }>,
  at: string,
): ProfileEvent[] {
  const changesName = data.displayName !== undefined && data.displayName !== profile.displayName;
  const merged =
    data.preferences === undefined ? undefined : mergePatch(profile.preferences, data.preferences);
  if (merged !== undefined && jsonBytes(merged) > PREFERENCES_MAX_BYTES) {
    throw new PreferencesTooLargeError(PREFERENCES_MAX_BYTES);
  }
  const changesPreferences =
    merged !== undefined && JSON.stringify(merged) !== JSON.stringify(profile.preferences);
  if (!changesName && !changesPreferences) return [];
  return [
    {
      type: "user.profile.updated",
      data: {
        userId: data.userId,
        ...(changesName ? { displayName: data.displayName } : {}),
        ...(changesPreferences ? { preferences: data.preferences } : {}),
        updatedAt: at,
      },
    },
  ];
}

export function evolveProfile(state: ProfileState, event: ProfileEvent): ProfileState {
  switch (event.type) {
    case "user.profile.created":
      return {
        status: "active",
        userId: event.data.userId,
        email: event.data.email,
        displayName: null,
        preferences: {},
        roles: [],
      };
    case "user.profile.updated": {
      if (state.status !== "active") return state;
      const { displayName, preferences } = event.data;
      return {
        ...state,
        ...(displayName !== undefined ? { displayName } : {}),
        // After an erasure the sealed patch reads as a placeholder, not an object: nothing to merge.
        ...(isJsonObject(preferences) ? { preferences: mergePatch(state.preferences, preferences) } : {}),
      };
    }
    case "user.role.granted":
      if (state.status !== "active" || state.roles.includes(event.data.role)) return state;
      return { ...state, roles: [...state.roles, event.data.role] };
    case "user.role.revoked":
      if (state.status !== "active") return state;
      return { ...state, roles: state.roles.filter((role) => role !== event.data.role) };
    case "user.user.erased":
      return { status: "erased", userId: event.data.userId };
    case "user.profile.email_verified":
      return state.status === "active" ? { ...state, emailVerified: true } : state;
    case "user.profile.email_changed":
      return state.status === "active" ? { ...state, email: event.data.email, emailVerified: true } : state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const profileDecider = {
  decide: decideProfile,
  evolve: evolveProfile,
  initialState: (): ProfileState => ({ status: "absent" }),
};

export function profileStreamId(userId: string): string {
  return `user-${userId}`;
}
