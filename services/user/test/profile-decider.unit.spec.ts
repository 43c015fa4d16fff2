import { PREFERENCES_MAX_BYTES } from "@tessera/contracts";
import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import { PreferencesTooLargeError, ProfileNotFoundError } from "../src/domain/errors.ts";
import { type ProfileCommand, type ProfileEvent, profileDecider } from "../src/domain/profile.ts";

const now = new Date("2026-11-21T12:00:00.000Z");
const at = now.toISOString();
const userId = "0b5c8a8e-4a52-4f57-9d0e-3d7f6d1a2b3c";
const meta = { now };
const create: ProfileCommand = { type: "CreateProfile", data: { userId, email: "ada@example.com" }, meta };
const created: ProfileEvent = {
  type: "user.profile.created",
  data: { userId, email: "ada@example.com", createdAt: at },
};
function update(
  data: Omit<Extract<ProfileCommand, { type: "UpdateProfile" }>["data"], "userId">,
): ProfileCommand {
  return { type: "UpdateProfile", data: { userId, ...data }, meta };
}

describe("profile decider", () => {
  it("creates a profile from a registration", () => {
    given(profileDecider, []).when(create).then([created]);
  });

  it("creates nothing when the profile exists: the registration event and a first request both create it", () => {
    given(profileDecider, [created]).when(create).then([]);
  });

  it("creates nothing for an account erased before its registration arrived", () => {
    given(profileDecider, [{ type: "user.user.erased", data: { userId, erasedAt: at } }])
      .when(create)
      .then([]);
  });

  it("records a new display name and a preferences patch", () => {
    const { state } = given(profileDecider, [created])
      .when(update({ displayName: "Ada", preferences: { theme: "dark", editor: { tabs: 2 } } }))
      .then([
        {
          type: "user.profile.updated",
          data: {
            userId,
            displayName: "Ada",
            preferences: { theme: "dark", editor: { tabs: 2 } },
            updatedAt: at,
          },
        },
      ]);
    expect(state).toMatchObject({ displayName: "Ada", preferences: { theme: "dark", editor: { tabs: 2 } } });
  });

  it("merges preferences deeply and deletes keys set to null", () => {
    const history: ProfileEvent[] = [
      created,
      {
        type: "user.profile.updated",
        data: { userId, preferences: { theme: "dark", editor: { tabs: 2, font: "mono" } }, updatedAt: at },
      },
    ];
    const { state } = given(profileDecider, history)
      .when(update({ preferences: { theme: null, editor: { tabs: 4 } } }))
      .then([
        {
          type: "user.profile.updated",
          data: { userId, preferences: { theme: null, editor: { tabs: 4 } }, updatedAt: at },
        },
      ]);
    expect(state).toMatchObject({ preferences: { editor: { tabs: 4, font: "mono" } } });
  });

  it("decides nothing when the update changes nothing", () => {
    given(profileDecider, [created])
      .when(update({ displayName: null, preferences: {} }))
      .then([]);
  });

  it("refuses preferences that grow past 16 KiB once merged", () => {
    const half = "x".repeat(PREFERENCES_MAX_BYTES / 2);
    const history: ProfileEvent[] = [
      created,
      { type: "user.profile.updated", data: { userId, preferences: { a: half }, updatedAt: at } },
    ];
    const error = given(profileDecider, history)
      .when(update({ preferences: { b: half } }))
      .thenThrows(PreferencesTooLargeError);
    expect(error.errors?.[0]?.field).toBe("preferences");
  });

  it("refuses to update a profile that does not exist or was erased", () => {
    given(profileDecider, [])
      .when(update({ displayName: "Ada" }))
      .thenThrows(ProfileNotFoundError);
    given(profileDecider, [created, { type: "user.user.erased", data: { userId, erasedAt: at } }])
      .when(update({ displayName: "Ada" }))
      .thenThrows(ProfileNotFoundError);
  });

  it("grants a platform role once and revokes it once", () => {
    const grant: ProfileCommand = { type: "GrantRole", data: { userId, role: "admin" }, meta };
    const revoke: ProfileCommand = { type: "RevokeRole", data: { userId, role: "admin" }, meta };
    const granted: ProfileEvent = {
      type: "user.role.granted",
      data: { userId, role: "admin", grantedAt: at },
    };
    given(profileDecider, [created]).when(grant).then([granted]);
    given(profileDecider, [created, granted]).when(grant).then([]);
    given(profileDecider, [created, granted])
      .when(revoke)
      .then([{ type: "user.role.revoked", data: { userId, role: "admin", revokedAt: at } }]);
    given(profileDecider, [created]).when(revoke).then([]);
  });

  it("records a verified email once, and nothing for a profile that is not there", () => {
    const verify: ProfileCommand = { type: "RecordEmailVerified", data: { userId }, meta };
    const verified: ProfileEvent = { type: "user.profile.email_verified", data: { userId, verifiedAt: at } };
    const { state } = given(profileDecider, [created]).when(verify).then([verified]);
    expect(state).toMatchObject({ emailVerified: true });
    given(profileDecider, [created, verified]).when(verify).then([]);
    given(profileDecider, []).when(verify).then([]);
    given(profileDecider, [created, { type: "user.user.erased", data: { userId, erasedAt: at } }])
      .when(verify)
      .then([]);
  });

  it("erases a user once", () => {
    const erase: ProfileCommand = { type: "EraseUser", data: { userId }, meta };
    const erased: ProfileEvent = { type: "user.user.erased", data: { userId, erasedAt: at } };
    given(profileDecider, [created]).when(erase).then([erased]);
    given(profileDecider, [created, erased]).when(erase).then([]);
  });
});
