import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { meGet } from "@tessera/contracts";
import { TEST_NATS_URL } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctx, type Harness, registerUser, startHarness } from "./support.ts";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "libs", "cli", "src", "main.ts");
let h: Harness;

beforeAll(async () => {
  h = await startHarness("usercli");
});

afterAll(async () => {
  await h?.stop();
});

async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: h.user.namespace },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(child, "exit");
  return { code: typeof code === "number" ? code : null, stdout, stderr };
}

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
