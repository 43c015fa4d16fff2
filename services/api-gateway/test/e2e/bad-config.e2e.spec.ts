import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICES } from "@tessera/contracts";
import { describe, expect, it } from "vitest";

const servicesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("a bad environment", () => {
  it.each(SERVICES)("stops %s with one line naming the variable", (service) => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: join(servicesDir, service),
      env: { ...process.env, NATS_URL: "not a url", SHUTDOWN_TIMEOUT_MS: "soon" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^invalid configuration: .*NATS_URL/);
    expect(lines[0]).toContain("SHUTDOWN_TIMEOUT_MS");
    expect(lines[0]).not.toContain("not a url");
  });
});
