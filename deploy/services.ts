import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the repository's root is, seen from this file. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export const servicesFile = join(repoRoot, "deploy", "services.json");

export interface EnvVar {
  name: string;
  description: string;
  /** Value for a local run (`npm start`, `.env.example`). */
  default?: string;
  /** Value inside Compose and Kubernetes, where servers are reached by service name. */
  container?: string;
  /** Goes to a Kubernetes Secret rather than a ConfigMap. */
  secret?: boolean;
  /** No default: left unset unless the operator sets it. */
  optional?: boolean;
  example?: string;
}

export interface ServiceNeeds {
  postgres: boolean;
  pgvector: boolean;
  redis: boolean;
  nats: boolean;
}

export interface ServiceSpec {
  name: string;
  description: string;
  /** The Postgres schema the service owns, or null. */
  schema: string | null;
  /** HTTP port, for services that listen on one. */
  port: number | null;
  /** Ops port (`OPS_PORT`): `/livez`, `/readyz`, `/metrics`. Distinct per service, so a local run holds them all. */
  opsPort: number;
  public?: boolean;
  needs: ServiceNeeds;
  env: EnvVar[];
}

export interface ServicesManifest {
  image: string;
  common: { env: EnvVar[]; testEnv: EnvVar[] };
  services: ServiceSpec[];
}

export type Target = "local" | "container";

const NAME = /^[a-z][a-z0-9-]*$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

function checkEnv(where: string, vars: EnvVar[]): void {
  for (const v of vars) {
    if (!ENV_NAME.test(v.name)) throw new Error(`${servicesFile}: ${where}: bad env name ${v.name}`);
    if (v.default === undefined && !v.optional) {
      throw new Error(`${servicesFile}: ${where}: ${v.name} needs a default or "optional": true`);
    }
  }
}

/** Reads and checks deploy/services.json. Throws one line naming what is wrong. */
export function loadServices(file = servicesFile): ServicesManifest {
  const manifest = JSON.parse(readFileSync(file, "utf8")) as ServicesManifest;
  checkEnv("common.env", manifest.common.env);
  checkEnv("common.testEnv", manifest.common.testEnv);
  const seen = new Set<string>();
  for (const service of manifest.services) {
    if (!NAME.test(service.name)) throw new Error(`${file}: bad service name ${service.name}`);
    if (seen.has(service.name)) throw new Error(`${file}: ${service.name} is listed twice`);
    seen.add(service.name);
    checkEnv(service.name, service.env);
    if (!Number.isInteger(service.opsPort) || service.opsPort < 1 || service.opsPort > 65_535)
      throw new Error(`${file}: ${service.name}: opsPort must be a port number`);
    const sharing = manifest.services.find((other) => other !== service && other.opsPort === service.opsPort);
    if (sharing)
      throw new Error(`${file}: ${service.name} and ${sharing.name} share opsPort ${service.opsPort}`);
    const common = new Set(manifest.common.env.map((v) => v.name));
    const clash = service.env.find((v) => common.has(v.name));
    if (clash) throw new Error(`${file}: ${service.name}: ${clash.name} is already a common variable`);
  }
  return manifest;
}

/** `OPS_PORT`, a common variable whose value is each service's own `opsPort`. */
export function opsPortVar(service: ServiceSpec): EnvVar {
  return {
    name: "OPS_PORT",
    description: `Ops port of ${service.name}: /livez, /readyz, /metrics (0: any free port).`,
    default: String(service.opsPort),
  };
}

/** Every variable a service reads in deployment: the common ones (its ops port among them), then its own. */
export function envVarsOf(manifest: ServicesManifest, service: ServiceSpec): EnvVar[] {
  return [...manifest.common.env, opsPortVar(service), ...service.env];
}

/** The value of one variable for a target, or undefined when it stays unset. */
export function valueFor(v: EnvVar, target: Target): string | undefined {
  return target === "container" ? (v.container ?? v.default) : v.default;
}

/** Name → value for a service, leaving out optional variables without a value. */
export function envFor(
  manifest: ServicesManifest,
  service: ServiceSpec,
  target: Target,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of envVarsOf(manifest, service)) {
    const value = valueFor(v, target);
    if (value !== undefined) env[v.name] = value;
  }
  return env;
}

export function imageOf(manifest: ServicesManifest, service: ServiceSpec): string {
  return `${manifest.image}/${service.name}`;
}
