import { describe, expect, it } from "vitest";
import { EventStoreConfigError, personalDataPolicy } from "../src/index.ts";
import { assertProcessorName } from "../src/schema.ts";

describe("projection and consumer names", () => {
  it("take one spelling: lower-case words joined by '-', or '--' after a service", () => {
    for (const name of ["user-read-model", "on-user-erased", "history-auth", "user--on-registered", "seen"]) {
      expect(assertProcessorName(name)).toBe(name);
    }
  });

  it("refuse every other spelling", () => {
    for (const name of [
      "auth_read_model",
      "UserReadModel",
      "user.read-model",
      "-leading",
      "trailing-",
      "a---b",
      "$outbox",
      "",
    ]) {
      expect(() => assertProcessorName(name), name).toThrow(EventStoreConfigError);
    }
  });
});

describe("a personal-data policy from a table", () => {
  const policy = personalDataPolicy({ subjectField: "ownerId", fields: { "note.recorded": ["text"] } });

  it("names the fields of listed event types and whose they are", () => {
    expect(policy({ type: "note.recorded", data: { ownerId: "u-1", text: "hi" } })).toEqual({
      subjectId: "u-1",
      fields: ["text"],
    });
  });

  it("finds nothing personal in other types or without a subject", () => {
    expect(policy({ type: "note.deleted", data: { ownerId: "u-1" } })).toBeUndefined();
    expect(policy({ type: "note.recorded", data: { ownerId: null, text: "platform" } })).toBeUndefined();
    expect(policy({ type: "note.recorded", data: null })).toBeUndefined();
  });
});
