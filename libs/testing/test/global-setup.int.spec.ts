import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * Runs the global setup in a fresh Node process that records every module it loads, so the test
 * sees what a real `vitest run` does on this machine, where Postgres, NATS and Redis answer.
 */
const SCRIPT = `
import { registerHooks } from "node:module";
const loaded = [];
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    loaded.push(result.url);
    return result;
  },
});
const before = { ...process.env };
const startedAt = performance.now();
const { default: setup } = await import("@tessera/testing/global-setup");
const teardown = await setup();
const ms = performance.now() - startedAt;
const changed = ["DATABASE_URL", "NATS_URL", "REDIS_URL"].filter((name) => process.env[name] !== before[name]);
console.log(JSON.stringify({
  teardown: typeof teardown,
  changed,
  testcontainers: loaded.some((url) => url.includes("/node_modules/testcontainers/")),
  ms,
}));
`;

function runSetup(env: NodeJS.ProcessEnv): Promise<{
  teardown: string;
  changed: string[];
  testcontainers: boolean;
  ms: number;
}> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", SCRIPT],
      { cwd: import.meta.dirname, env, encoding: "utf8" },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(JSON.parse(stdout)),
    );
  });
}

describe("the test suite's global setup, where the servers run", () => {
  it("keeps the URLs as they are and never loads testcontainers", async () => {
    const result = await runSetup(process.env);
    expect(result).toMatchObject({ teardown: "undefined", changed: [], testcontainers: false });
    // A handful of loopback round trips; generous on a shared 2-core machine.
    expect(result.ms).toBeLessThan(5_000);
  });

  it("stops the run with one line naming a local server that does not answer, where no Docker engine runs", async () => {
    // Nothing listens on port 1; without Docker here, the setup stops with its one-line message.
    await expect(runSetup({ ...process.env, REDIS_URL: "redis://127.0.0.1:1" })).rejects.toThrow(
      /Redis at 127\.0\.0\.1:1 does not answer and no Docker engine is reachable/,
    );
  });
});
