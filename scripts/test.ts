/**
 * `npm test`: servers up (scripts/ensure-servers.sh), pgvector installed, then `vitest run` over
 * all three projects (unit, int, e2e; see vitest.config.ts). Arguments go to vitest:
 * `npm test -- --project int libs/eventstore`. Exits with vitest's code.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { loadServices, repoRoot } from "../deploy/services.ts";
import { localEnv, prepareServers } from "./lib/setup.ts";

const manifest = loadServices();
const env = localEnv(manifest);
prepareServers(manifest, env);

const vitest = spawn(
  process.execPath,
  [join(repoRoot, "node_modules", "vitest", "vitest.mjs"), "run", ...process.argv.slice(2)],
  {
    cwd: repoRoot,
    env,
    stdio: "inherit",
  },
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => vitest.kill(signal));
}

vitest.on("error", (err) => {
  console.error(`test: could not run vitest: ${err.message}`);
  process.exit(1);
});
vitest.on("close", (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
