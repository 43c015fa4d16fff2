import { TesseraError, type TesseraErrorOptions } from "@tessera/contracts";
import { z } from "zod";

/** The environment does not describe a runnable service. The message is one line naming every bad variable. */
export class ConfigError extends TesseraError {
  override name = "ConfigError";
  /** The variables that failed, in the order reported. */
  readonly variables: string[];
  constructor(detail: string, variables: string[], options: TesseraErrorOptions = {}) {
    super("config.invalid", 500, detail, options);
    this.variables = variables;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * Parses the environment with a zod schema and returns the result deep-frozen. Empty strings count
 * as unset, so `FOO=` falls back to the default. Failure throws `ConfigError`; values never appear in it.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env): DeepReadonly<z.output<S>> {
  const input = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = schema.safeParse(input);
  if (result.success) return deepFreeze(result.data) as DeepReadonly<z.output<S>>;
  const problems = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const variable = issue.path.length > 0 ? issue.path.map(String).join(".") : "(environment)";
    problems.set(variable, [...(problems.get(variable) ?? []), oneLine(issue.message)]);
  }
  const line = [...problems].map(([variable, messages]) => `${variable}: ${messages.join(", ")}`).join("; ");
  const variables = [...problems.keys()];
  throw new ConfigError(scrub(`invalid configuration: ${line}`, variables, env), variables, {
    cause: result.error,
  });
}

/**
 * `parseConfig`, or the one-line reason on stderr and exit code 1. The only function in the
 * libraries that reads `process.env`, and only as its default.
 */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  env: Env = process.env,
): DeepReadonly<z.output<S>> {
  try {
    return parseConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

/** The settings every service shares; a service `.extend()`s it with its own. */
export const baseServiceConfig = z.object({
  DATABASE_URL: z.url().default("postgres://postgres@127.0.0.1:5432/tessera"),
  NATS_URL: z.url().default("nats://127.0.0.1:4222"),
  /** Copies JetStream keeps of each stream, KV bucket and object store (3 on a 3-node cluster). @default 1 */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Tests only: prefixes every subject, stream, consumer and bucket. Empty in production. */
  BUS_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]+$/, "must be lowercase letters and digits")
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Errors logged at error level, and uncaught ones, go to this Sentry DSN when it is set. */
  SENTRY_DSN: z.url().optional(),
  /**
   * Port of the ops server (`/livez`, `/readyz`, `/metrics`); 0 takes any free port. Unset: no ops
   * server (deploy/services.json gives each service its own).
   */
  OPS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Interface the ops server listens on (`0.0.0.0` in containers, so probes and Prometheus reach it). @default "127.0.0.1" */
  OPS_HOST: z.string().min(1).default("127.0.0.1"),
  /** Time allowed for a graceful stop after SIGTERM, in ms. @default 10_000 */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().max(600_000).default(10_000),
});
export type BaseServiceConfig = z.output<typeof baseServiceConfig>;

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Belt and braces: a custom message could quote the value, so blank out every failing value. */
function scrub(message: string, variables: string[], env: Env): string {
  let scrubbed = message;
  for (const variable of variables) {
    const value = env[variable];
    if (value !== undefined && value.length >= 6) scrubbed = scrubbed.replaceAll(value, "[redacted]");
  }
  return scrubbed;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
