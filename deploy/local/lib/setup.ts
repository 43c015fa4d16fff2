import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadEnvFile } from "node:process";
import { envFor, repoRoot, type ServiceSpec, type ServicesManifest, valueFor } from "../../services.ts";

export type Env = Record<string, string | undefined>;

/**
 * The environment for a local run: the shell's, then `.env` (if present) for what the shell
 * leaves unset, then the common defaults of deploy/services.json.
 */
export function localEnv(manifest: ServicesManifest): Env {
  const dotenv = join(repoRoot, ".env");
  if (existsSync(dotenv)) loadEnvFile(dotenv);
  const env: Env = { ...process.env };
  for (const v of manifest.common.env) {
    const value = valueFor(v, "local");
    if (env[v.name] === undefined && value !== undefined) env[v.name] = value;
  }
  return env;
}

/** A service's environment: its own defaults under whatever `env` already sets. */
export function serviceEnv(manifest: ServicesManifest, service: ServiceSpec, env: Env): Env {
  return { ...envFor(manifest, service, "local"), ...env };
}

/** Runs a script; its exit code (1 when it could not run at all). */
function runScript(what: string, script: string, env: Env): number {
  const result = spawnSync("bash", [join(repoRoot, script)], { env, stdio: "inherit" });
  if (result.error) {
    console.error(`${what}: could not run bash ${script}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

function run(what: string, script: string, env: Env): void {
  const status = runScript(what, script, env);
  if (status !== 0) process.exit(status);
}

function installPgvector(manifest: ServicesManifest, env: Env): void {
  if (manifest.services.some((s) => s.needs.pgvector)) run("pgvector", "deploy/pgvector/install.sh", env);
}

/** Postgres, NATS and Redis answering, the database created, pgvector installed if a service needs it. */
export function prepareServers(manifest: ServicesManifest, env: Env): void {
  run("servers", "deploy/local/ensure-servers.sh", env);
  installPgvector(manifest, env);
}

/**
 * `prepareServers` for `npm test`, which may also go on without local servers: where they cannot be
 * had and a Docker engine answers, the run's global setup (libs/testing) starts the missing ones in
 * containers, whose image has pgvector.
 */
export async function prepareTestServers(manifest: ServicesManifest, env: Env): Promise<void> {
  const status = runScript("servers", "deploy/local/ensure-servers.sh", env);
  if (status === 0) {
    installPgvector(manifest, env);
    return;
  }
  const { dockerReachable } = await import("@tessera/testing/containers");
  if (!(await dockerReachable())) process.exit(status);
  console.log("test: a Docker engine answers; the test run starts the missing servers in containers");
}
