import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { connectNats, createBus } from "@tessera/bus";
import { pingOperation } from "@tessera/contracts";
import {
  createTestDatabase,
  freePort,
  TEST_NATS_URL,
  type TestDatabase,
  testNamespace,
  testServiceEnv,
} from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadServices, repoRoot } from "../services.ts";

/**
 * `npm start` as a user runs it: deploy/local/start.ts on the project's Node 24, here on a fresh
 * database, bus namespace and gateway port so it meets neither other tests nor a running stack.
 */
const names = loadServices().services.map((s) => s.name);
const victim = "auth";

let database: TestDatabase;
let namespace: string;
let runner: ChildProcess;
let gatewayUrl: string;
let output = "";

/** Every `<name> started (pid N)` line of the runner, oldest first. */
const starts = (): [string, number][] =>
  [...output.matchAll(/^start\s+│ (\S+) started \(pid (\d+)\)$/gm)].map((m) => [m[1]!, Number(m[2])]);

/** Each service's latest pid. */
const pids = (): Map<string, number> => new Map(starts());

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function childrenOf(parent: number): number[] {
  const table = execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" });
  return table
    .trim()
    .split("\n")
    .map((row) => row.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === parent)
    .map(([pid]) => pid!);
}

const readyStatus = (): Promise<number> =>
  fetch(`${gatewayUrl}/ready`).then(
    (response) => response.status,
    () => 0,
  );

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Whether the victim answers its ping, ready: the gateway's `/ready` is its own (NATS, Redis) and
 * says nothing of the services; their ops ports are on free ports here (OPS_PORT=0).
 */
async function victimReady(): Promise<boolean> {
  const nc = await connectNats({
    servers: TEST_NATS_URL,
    name: "runner-test",
    logger: silent,
  });
  try {
    const bus = createBus(nc, { service: "api-gateway", namespace, logger: silent });
    const { ready } = await bus.request(
      pingOperation(victim),
      {},
      { requestId: `runner-${Date.now()}` },
      { timeoutMs: 1_000 },
    );
    return ready;
  } catch {
    return false;
  } finally {
    await nc.close();
  }
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (runner.exitCode !== null || runner.signalCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const state = runner.exitCode ?? runner.signalCode;
  throw new Error(
    `${what} did not happen (runner ${state === null ? "running" : `exited: ${state}`}):\n${output}`,
  );
}

beforeAll(async () => {
  database = await createTestDatabase("runner");
  namespace = testNamespace("runner");
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  runner = spawn(join(repoRoot, "node_modules", ".bin", "node"), ["deploy/local/start.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...testServiceEnv(database, namespace),
      // Free ops ports, so a running `npm start` (on the fixed ones of deploy/services.json) is not met.
      OPS_PORT: "0",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      PORT: String(port),
      HOST: "127.0.0.1",
      FORCE_COLOR: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  runner.stdout?.on("data", append);
  runner.stderr?.on("data", append);
  await until("every service started", () => pids().size === names.length);
  await until("/ready answering 200", async () => (await readyStatus()) === 200);
  await until(`${victim} ready`, victimReady);
});

afterAll(async () => {
  if (runner && runner.exitCode === null && runner.signalCode === null) {
    runner.kill("SIGTERM");
    const stopped = await Promise.race([
      once(runner, "exit").then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000)),
    ]);
    if (!stopped) {
      // Its services run in their own process groups and would outlive it: they go too, found as
      // its children (not by logged pids, which the system may have reused), after the runner, so
      // that it restarts nothing more.
      const children = childrenOf(runner.pid!);
      runner.kill("SIGKILL");
      for (const pid of children) process.kill(pid, "SIGKILL");
    }
  }
  await database?.drop();
});

describe("npm start (deploy/local/start.ts)", () => {
  it("restarts a service killed with SIGKILL, keeps the others running, and the service is ready again by itself", async () => {
    const before = pids();
    const victimPid = before.get(victim)!;
    process.kill(victimPid, "SIGKILL");

    await until("the restart line", () =>
      new RegExp(
        `^start\\s+│ ${victim} exited unexpectedly \\(signal SIGKILL\\).*restarting in \\d`,
        "m",
      ).test(output),
    );
    await until(`${victim} started again`, () => (pids().get(victim) ?? victimPid) !== victimPid);
    await until(`${victim} ready again`, victimReady);
    expect(await readyStatus()).toBe(200);

    expect(alive(victimPid)).toBe(false);
    const after = pids();
    for (const name of names.filter((n) => n !== victim)) {
      expect(after.get(name), `${name} kept its process`).toBe(before.get(name));
      expect(alive(before.get(name)!), `${name} is still running`).toBe(true);
    }
    expect(runner.exitCode).toBeNull();
  }, 120_000);

  it("stops every service on SIGTERM and exits 0", async () => {
    expect(runner.exitCode, output).toBeNull();
    const running = [...pids().values()];
    const exited = once(runner, "exit");
    runner.kill("SIGTERM");
    const [code] = await exited;
    expect(code, output).toBe(0);
    for (const name of names) expect(output).toMatch(new RegExp(`^start\\s+│ ${name} stopped$`, "m"));
    expect(running.filter(alive)).toEqual([]);
  }, 60_000);
});
