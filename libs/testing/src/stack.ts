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
  /** Base URL of a service's ops port (`/livez`, `/readyz`, `/metrics`), the gateway's too. */
  opsUrl(service: ServiceName): string;
  readonly database: TestDatabase;
  readonly namespace: string;
  /** Everything the services printed so far, for a failing test's message. */
  logs(): string;
  /** SIGTERM to every service; resolves with their exit codes once all have stopped. */
  stop(): Promise<Record<string, number | null>>;
}

export interface StackOptions {
  /** Time for every service's `/readyz` to answer 200, in ms. @default 60_000 */
  readyTimeoutMs?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** The gateway's port, for tests that must name its URL before it starts (OAuth redirect URIs). @default a free port */
  port?: number;
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
 * The whole platform as separate processes (`node services/<name>/src/main.ts`, as `npm start` runs
 * them), on a fresh database and bus namespace, ready when every service's ops port says so (the
 * gateway's `/ready` no longer waits for the services).
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
  const children = new Map<ServiceName, ChildProcess>();
  const opsUrls = new Map<ServiceName, string>();
  for (const service of SERVICES) {
    const opsPort = await freePort();
    opsUrls.set(service, `http://127.0.0.1:${opsPort}`);
    const child = spawn(process.execPath, ["src/main.ts"], {
      cwd: join(REPO_ROOT, "services", service),
      env: { ...env, OPS_PORT: String(opsPort), OPS_HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const append = (chunk: Buffer) => {
      output += `[${service}] ${chunk.toString()}`;
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    children.set(service, child);
  }
  const stack: Stack = {
    gatewayUrl: `http://127.0.0.1:${port}`,
    opsUrl: (service) => opsUrls.get(service) ?? "",
    database,
    namespace,
    logs: () => output,
    async stop() {
      const codes: Record<string, number | null> = {};
      await Promise.all(
        [...children].map(async ([service, child]) => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
            await once(child, "exit");
          }
          codes[service] = child.exitCode;
        }),
      );
      await database.drop();
      return codes;
    },
  };
  try {
    await waitForReady(stack, children, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

async function waitForReady(
  stack: Stack,
  children: Map<ServiceName, ChildProcess>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exited = [...children].find(([, child]) => child.exitCode !== null);
    if (exited) throw new Error(`${exited[0]} exited with ${exited[1].exitCode}:\n${stack.logs()}`);
    const answers = await Promise.all(
      SERVICES.map((service) =>
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
