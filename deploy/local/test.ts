/**
 * `npm test`: servers up (deploy/local/ensure-servers.sh), pgvector installed — or, where they cannot be
 * had and a Docker engine answers, left to the run's global setup to start in containers — then the whole suite:
 * typecheck and lint, then `vitest run` over all three projects (unit, int, e2e; see
 * vitest.config.ts), ending with one plain `N passed, N failed` line. Arguments go to vitest and
 * skip the static checks: `npm test -- --project int libs/eventstore`. Exits non-zero on any failure.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadServices, repoRoot } from "../services.ts";
import { localEnv, prepareTestServers } from "./lib/setup.ts";

const manifest = loadServices();
const env = localEnv(manifest);
await prepareTestServers(manifest, env);

const vitestArgs = process.argv.slice(2);
const bin = (name: string, ...path: string[]) => join(repoRoot, "node_modules", name, ...path);

function step(title: string, args: string[]): number {
  console.log(`\n=== ${title}`);
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, env, stdio: "inherit" });
  if (result.error) console.error(`test: could not run ${title}: ${result.error.message}`);
  return result.status ?? 1;
}

let failedChecks = 0;
if (vitestArgs.length === 0) {
  failedChecks +=
    step("typecheck", [bin("typescript", "bin", "tsc"), "--noEmit", "-p", "tsconfig.json"]) === 0 ? 0 : 1;
  failedChecks += step("lint", [bin("@biomejs", "biome", "bin", "biome"), "check", "."]) === 0 ? 0 : 1;
}

const reportDir = join(repoRoot, ".local");
mkdirSync(reportDir, { recursive: true });
const reportFile = join(reportDir, "vitest-report.json");
rmSync(reportFile, { force: true });
const vitestCode = step("vitest", [
  bin("vitest", "vitest.mjs"),
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${reportFile}`,
  ...vitestArgs,
]);

const report = readReport(reportFile);
if (report) console.log(`\n${report.numPassedTests} passed, ${report.numFailedTests + failedChecks} failed`);
process.exit(vitestCode !== 0 ? vitestCode : failedChecks > 0 ? 1 : 0);

function readReport(file: string): { numPassedTests: number; numFailedTests: number } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    console.error(`test: vitest wrote no report at ${file}`);
    return undefined;
  }
}
