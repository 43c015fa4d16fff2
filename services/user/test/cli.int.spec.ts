import { meGet } from "@tessera/contracts";
import { runCliProcess, TEST_NATS_URL } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctx, type Harness, registerUser, startHarness } from "./support.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness("usercli");
});

afterAll(async () => {
  await h?.stop();
});

const cli = (...args: string[]) =>
  runCliProcess({ NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: h.user.namespace }, ...args);

describe("admin CLI", () => {
  it("grants platform admin by email, in any case, with one line and exit 0", async () => {
    const { userId, email } = await registerUser(h);
    const granted = await cli("admin", "grant", email.toUpperCase());
    expect(granted).toEqual({
      code: 0,
      stdout: `granted platform admin to ${email} (${userId})\n`,
      stderr: "",
    });
    expect((await h.caller.request(meGet, {}, ctx(userId))).roles).toEqual(["admin"]);

    const again = await cli("admin", "grant", email);
    expect(again).toEqual({
      code: 0,
      stdout: `${email} (${userId}) already is a platform admin\n`,
      stderr: "",
    });
    const revoked = await cli("admin", "revoke", email);
    expect(revoked.code).toBe(0);
    expect((await h.caller.request(meGet, {}, ctx(userId))).roles).toEqual([]);
  });

  it("exits 1 with one line for an unknown email", async () => {
    const result = await cli("admin", "grant", "nobody@example.com");
    expect(result).toEqual({ code: 1, stdout: "", stderr: "no user with the email nobody@example.com\n" });
  });

  it("exits 2 with the area's commands for a wrong command, and with the usage for a bad email", async () => {
    const result = await cli("admin", "promote", "someone@example.com");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("admin grant <email>");
    expect(result.stderr).toContain("admin revoke <email>");
    const bad = await cli("admin", "grant", "not-an-email");
    expect(bad).toEqual({
      code: 2,
      stdout: "",
      stderr: "not an email address: not-an-email\nusage: npm run cli -- admin grant <email>\n",
    });
  });
});
