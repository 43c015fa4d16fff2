import { spawn } from "node:child_process";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats, createBus } from "@tessera/bus";
import { type PrivateNatsServer, startNatsServer } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../services.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const PASSWORD = "hc-0123456789abcdef";

function healthcheck(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(repoRoot, "deploy/docker/healthcheck.ts"), "ready"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
}

// The container health check of a service without an HTTP port, against a NATS that wants a user
// (the prod overlay's): the credentials in NATS_URL must reach the server.
describe("deploy/docker/healthcheck.ts over NATS", () => {
  let server: PrivateNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer({ args: ["--user", "service", "--pass", PASSWORD] });
    nc = await connectNats({
      servers: server.url.replace("nats://", `nats://service:${PASSWORD}@`),
      name: "healthcheck-test",
      logger: silent,
    });
    createBus(nc, { service: "user", logger: silent }).servePing();
    await nc.flush();
  });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it("passes when the service answers its ping, signing in with the URL's user", async () => {
    const result = await healthcheck({
      TESSERA_SERVICE: "user",
      NATS_URL: server.url.replace("nats://", `nats://service:${PASSWORD}@`),
    });
    expect(result).toEqual({ code: 0, stderr: "" });
  });

  it("fails with one line when the password is wrong, without printing it", async () => {
    const result = await healthcheck({
      TESSERA_SERVICE: "user",
      NATS_URL: server.url.replace("nats://", "nats://service:not-the-password@"),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^healthcheck: .*authorization/i);
    expect(result.stderr).not.toContain("not-the-password");
  });
});
