import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICES, type ServiceName } from "@tessera/contracts";
import { createTestDatabase, type TestDatabase, testNamespace } from "./database.ts";
import { testServiceEnv } from "./in-process.ts";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export interface Stack {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:41234`. */
  readonly gatewayUrl: string;
  /** Base URL of a service's ops port (`/livez`, `/readyz`, `/metrics`), the gateway's too: its first process's. */
  opsUrl(service: ServiceName): string;
  readonly database: TestDatabase;
  readonly namespace: string;
  /** Everything the services printed so far, for a failing test's message. */
  logs(): string;
  /** The processes of one service, oldest first: the one `startStack` started, then `addReplica`'s. */
  processes(service: ServiceName): readonly ChildProcess[];
  /**
   * One more process of `service` with the stack's environment: a replica in the same queue groups
   * and consumers, its ops port any free one. Returns once it is spawned; waiting for it to serve is
   * the caller's.
   */
  addReplica(service: ServiceName): ChildProcess;
  /**
   * SIGTERM to every process still running; resolves with their exit codes once all have stopped,
   * keyed by service (`user`, then `user#2`, `user#3` for replicas; null for one ended by a signal).
   */
  stop(): Promise<Record<string, number | null>>;
}

export interface StackOptions {
  /** Time for every service's `/readyz` to answer 200, in ms. @default 60_000 */
  readyTimeoutMs?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /**
   * The services to run, one process each; the gateway must be one. Ready once each one's ops port
   * says so. @default every service
   */
  services?: readonly ServiceName[];
  /** The gateway's port, for tests that must name its URL before it starts (OAuth redirect URIs). @default a free port */
  port?: number;
}

/** One process of the stack; `label` names it in logs and exit codes. */
interface StackProcess {
  readonly service: ServiceName;
  readonly label: string;
  readonly child: ChildProcess;
}

/** A TCP port free on 127.0.0.1 right now, for a server that must be named before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * The whole platform as separate processes (`node --import @tessera/service-kit/instrument
 * services/<name>/src/main.ts`, as `npm start` runs them), on a fresh database and bus namespace,
 * ready when every service's ops port says so (the gateway's `/ready` does not wait for services).
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await createTestDatabase("stack");
  const namespace = testNamespace("stack");
  const port = options.port ?? (await freePort());
  const env = {
    ...process.env,
    ...testServiceEnv(database, namespace),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
    // Every request of a test file comes from 127.0.0.1: the gateway's production budgets would
    // throttle ordinary suites. Tests of the limits themselves pass their own values in `env`.
    RATE_LIMIT_AUTH_LOGIN: "100000/1m",
    RATE_LIMIT_AUTH_REGISTER: "100000/1m",
    RATE_LIMIT_AUTH_RECOVER: "100000/1m",
    RATE_LIMIT_READ: "100000/1m",
    RATE_LIMIT_WRITE: "100000/1m",
    PORT: String(port),
    HOST: "127.0.0.1",
    ...options.env,
  };
  let output = "";
  const running: StackProcess[] = [];
  const opsUrls = new Map<ServiceName, string>();
  const spawnService = (service: ServiceName, opsPort = 0): ChildProcess => {
    const replicas = running.filter((entry) => entry.service === service).length;
    const label = replicas === 0 ? service : `${service}#${replicas + 1}`;
    const child = spawn(process.execPath, ["--import", "@tessera/service-kit/instrument", "src/main.ts"], {
      cwd: join(REPO_ROOT, "services", service),
      env: { ...env, OPS_PORT: String(opsPort), OPS_HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const append = (chunk: Buffer) => {
      output += `[${label}] ${chunk.toString()}`;
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    running.push({ service, label, child });
    return child;
  };
  const services = options.services ?? SERVICES;
  if (!services.includes("api-gateway")) throw new Error("a stack needs the api-gateway among its services");
  for (const service of services) {
    const opsPort = await freePort();
    opsUrls.set(service, `http://127.0.0.1:${opsPort}`);
    spawnService(service, opsPort);
  }
  const stack: Stack = {
    gatewayUrl: `http://127.0.0.1:${port}`,
    opsUrl: (service) => opsUrls.get(service) ?? "",
    database,
    namespace,
    logs: () => output,
    processes: (service) => running.filter((entry) => entry.service === service).map(({ child }) => child),
    addReplica: (service) => spawnService(service),
    async stop() {
      const codes: Record<string, number | null> = {};
      await Promise.all(
        running.map(async ({ label, child }) => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
            await once(child, "exit");
          }
          codes[label] = child.exitCode;
        }),
      );
      await database.drop();
      return codes;
    },
  };
  try {
    await waitForReady(stack, running, services, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

async function waitForReady(
  stack: Stack,
  running: readonly StackProcess[],
  services: readonly ServiceName[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exited = running.find(({ child }) => child.exitCode !== null);
    if (exited) throw new Error(`${exited.label} exited with ${exited.child.exitCode}:\n${stack.logs()}`);
    const answers = await Promise.all(
      services.map((service) =>
        fetch(`${stack.opsUrl(service)}/readyz`).then(
          (response) => response.status === 200,
          () => false,
        ),
      ),
    );
    if (answers.every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the stack was not ready within ${timeoutMs} ms:\n${stack.logs()}`);
}
