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

function run(what: string, script: string, env: Env): void {
  const result = spawnSync("bash", [join(repoRoot, script)], { env, stdio: "inherit" });
  if (result.error) {
    console.error(`${what}: could not run bash ${script}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Postgres, NATS and Redis answering, the database created, pgvector installed if a service needs it. */
export function prepareServers(manifest: ServicesManifest, env: Env): void {
  run("servers", "deploy/local/ensure-servers.sh", env);
  if (manifest.services.some((s) => s.needs.pgvector)) run("pgvector", "deploy/pgvector/install.sh", env);
}
