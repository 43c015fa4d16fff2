import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { baseServiceConfig, ConfigError, parseConfig } from "../src/index.ts";

const serviceConfig = baseServiceConfig.extend({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  ENCRYPTION_KEY: z.string().length(44),
});

function failure(env: Record<string, string>): ConfigError {
  try {
    parseConfig(serviceConfig, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("fills the defaults that point at local servers", () => {
    const config = parseConfig(serviceConfig, { ENCRYPTION_KEY: "k".repeat(44) });
    expect(config).toMatchObject({
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/tessera",
      NATS_URL: "nats://127.0.0.1:4222",
      REDIS_URL: "redis://127.0.0.1:6379",
      LOG_LEVEL: "info",
      SHUTDOWN_TIMEOUT_MS: 10_000,
      NATS_STREAM_REPLICAS: 1,
      PORT: 3000,
    });
    expect(config.BUS_NAMESPACE).toBeUndefined();
  });

  it("returns a frozen config and treats empty variables as unset", () => {
    const config = parseConfig(serviceConfig, {
      ENCRYPTION_KEY: "k".repeat(44),
      PORT: "",
      BUS_NAMESPACE: "",
    });
    expect(config.PORT).toBe(3000);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it("names every bad variable on one line and never prints a value", () => {
    const secret = "super-secret-value-that-is-not-44-chars";
    const error = failure({
      NATS_URL: "not a url at all",
      PORT: "70000",
      ENCRYPTION_KEY: secret,
      LOG_LEVEL: "loud",
    });
    expect(error.message.split("\n")).toHaveLength(1);
    expect(error.message).toMatch(/^invalid configuration: /);
    expect(error.message).toContain("NATS_URL: Invalid URL");
    expect(error.message).toMatch(/PORT: Too big/);
    expect(error.message).toContain("ENCRYPTION_KEY: ");
    expect(error.message).toContain("LOG_LEVEL: ");
    expect(error.variables).toEqual(["NATS_URL", "LOG_LEVEL", "PORT", "ENCRYPTION_KEY"]);
    for (const value of [secret, "not a url at all", "70000", "loud"])
      expect(error.message).not.toContain(value);
  });

  it("takes 1 to 5 stream replicas, and refuses other numbers", () => {
    const env = { ENCRYPTION_KEY: "k".repeat(44) };
    expect(parseConfig(serviceConfig, { ...env, NATS_STREAM_REPLICAS: "3" }).NATS_STREAM_REPLICAS).toBe(3);
    for (const bad of ["0", "6", "2.5", "three"]) {
      expect(failure({ ...env, NATS_STREAM_REPLICAS: bad }).variables).toEqual(["NATS_STREAM_REPLICAS"]);
    }
  });

  it("names a missing required variable", () => {
    expect(failure({}).message).toMatch(/^invalid configuration: ENCRYPTION_KEY: /);
  });
});

describe("loadConfigOrExit", () => {
  it("prints one line to stderr and exits 1 when the environment is bad", () => {
    const fixture = fileURLToPath(new URL("./fixtures/load-config.ts", import.meta.url));
    const result = spawnSync(process.execPath, [fixture], {
      env: { PATH: process.env.PATH, NATS_URL: "nats//broken", REDIS_URL: "redis://127.0.0.1:6379" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("invalid configuration: NATS_URL: Invalid URL\n");
  });

  it("loads a good environment", () => {
    const fixture = fileURLToPath(new URL("./fixtures/load-config.ts", import.meta.url));
    const result = spawnSync(process.execPath, [fixture], {
      env: { PATH: process.env.PATH, LOG_LEVEL: "debug" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("loaded debug\n");
    expect(result.status).toBe(0);
  });
});
