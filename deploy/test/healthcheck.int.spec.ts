import { spawn } from "node:child_process";
import { join } from "node:path";
import {
  createLogger,
  createMetrics,
  createReadiness,
  type OpsServer,
  startOpsServer,
} from "@tessera/service-kit";
import { freePort } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../services.ts";

function healthcheck(
  env: Record<string, string>,
  kind?: "ready",
): Promise<{ code: number | null; stderr: string }> {
  const args = [join(repoRoot, "deploy/docker/healthcheck.ts"), ...(kind ? [kind] : [])];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
}

// The container health check against a real ops server, as startService runs it in the container.
describe("deploy/docker/healthcheck.ts", () => {
  let ops: OpsServer;
  let postgresUp = true;

  beforeAll(async () => {
    const readiness = createReadiness({ checkTimeoutMs: 500 });
    readiness.add({
      name: "postgres",
      check: async () => {
        if (!postgresUp) throw new Error("connect ECONNREFUSED");
      },
    });
    ops = await startOpsServer({
      port: 0,
      readiness,
      metrics: createMetrics({ service: "user", defaultMetrics: false }),
      logger: createLogger({ service: "user", level: "silent" }),
    });
  });

  afterAll(async () => {
    await ops?.close();
  });

  it("passes when this container's ops port answers /livez and /readyz", async () => {
    expect(await healthcheck({ OPS_PORT: String(ops.port) })).toEqual({ code: 0, stderr: "" });
    expect(await healthcheck({ OPS_PORT: String(ops.port) }, "ready")).toEqual({ code: 0, stderr: "" });
  });

  it("fails readiness with one line naming what failed, while liveness still passes", async () => {
    postgresUp = false;
    try {
      const ready = await healthcheck({ OPS_PORT: String(ops.port) }, "ready");
      expect(ready.code).toBe(1);
      expect(ready.stderr).toMatch(/^healthcheck: GET \/readyz answered 503: .*postgres.*ECONNREFUSED/);
      expect(ready.stderr.trim().split("\n")).toHaveLength(1);
      expect((await healthcheck({ OPS_PORT: String(ops.port) })).code).toBe(0);
    } finally {
      postgresUp = true;
    }
  });

  it("fails when nothing listens on the ops port, and for a service deploy/services.json does not list", async () => {
    const closed = await healthcheck({ OPS_PORT: String(await freePort()) });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/^healthcheck: /);
    const unknown = await healthcheck({ TESSERA_SERVICE: "nobody" });
    expect(unknown).toEqual({ code: 1, stderr: "healthcheck: nobody is not in deploy/services.json\n" });
  });
});
