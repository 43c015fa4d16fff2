import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createLogger, createShutdown } from "../src/index.ts";

const logger = createLogger({ service: "test", level: "silent" });

describe("createShutdown", () => {
  it("runs the steps in reverse order of registration and exits 0", async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = createShutdown({ logger, timeoutMs: 1_000, exit: (code) => void exits.push(code) });
    shutdown.add("database", async () => void order.push("database"));
    shutdown.add("bus", async () => void order.push("bus"));
    shutdown.add("http", () => void order.push("http"));
    await expect(shutdown.run("SIGTERM")).resolves.toBe(0);
    expect(order).toEqual(["http", "bus", "database"]);
    expect(exits).toEqual([0]);
  });

  it("runs the remaining steps after one fails, then exits 1", async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = createShutdown({ logger, timeoutMs: 1_000, exit: (code) => void exits.push(code) });
    shutdown.add("database", async () => void order.push("database"));
    shutdown.add("bus", async () => {
      throw new Error("drain failed");
    });
    await expect(shutdown.run("SIGTERM")).resolves.toBe(1);
    expect(order).toEqual(["database"]);
    expect(exits).toEqual([1]);
  });

  it("exits 1 when the steps outlast the time-out", async () => {
    const exits: number[] = [];
    const shutdown = createShutdown({ logger, timeoutMs: 100, exit: (code) => void exits.push(code) });
    shutdown.add("stuck", () => new Promise<void>(() => {}));
    const started = performance.now();
    await expect(shutdown.run("SIGTERM")).resolves.toBe(1);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(exits).toEqual([1]);
  });

  it("runs the steps once however often it is asked", async () => {
    let runs = 0;
    const exits: number[] = [];
    const shutdown = createShutdown({ logger, timeoutMs: 1_000, exit: (code) => void exits.push(code) });
    shutdown.add("count", () => {
      runs += 1;
    });
    await Promise.all([shutdown.run("SIGTERM"), shutdown.run("SIGINT")]);
    expect(runs).toBe(1);
    expect(exits).toEqual([0]);
  });
});

describe("runUntilSignal", () => {
  it("stops in reverse order on SIGTERM and exits 0", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/shutdown-on-signal.ts", import.meta.url));
    const child = spawn(process.execPath, [fixture], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (chunk.includes("ready")) child.kill("SIGTERM");
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(stdout).toBe("ready\nstop bus\nstop database\n");
    expect(code).toBe(0);
  });
});
