import { given } from "@tessera/eventstore";
import { describe, it } from "vitest";
import { type ProfileCommand, ProfileExistsError, profileDecider } from "../src/domain/profile.ts";

const now = new Date("2026-11-21T12:00:00.000Z");
const userId = "0b5c8a8e-4a52-4f57-9d0e-3d7f6d1a2b3c";
const create: ProfileCommand = {
  type: "CreateProfile",
  data: { userId, email: "ada@example.com" },
  meta: { now },
};

describe("profile decider", () => {
  it("creates a profile from a registration", () => {
    given(profileDecider, [])
      .when(create)
      .then([
        {
          type: "user.profile.created",
          data: { userId, email: "ada@example.com", createdAt: "2026-11-21T12:00:00.000Z" },
        },
      ]);
  });

  it("refuses a second profile for the same user", () => {
    const { events } = given(profileDecider, [])
      .when(create)
      .then([
        {
          type: "user.profile.created",
          data: { userId, email: "ada@example.com", createdAt: now.toISOString() },
        },
      ]);
    given(profileDecider, events).when(create).thenThrows(ProfileExistsError);
  });
});
