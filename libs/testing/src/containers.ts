/**
 * The test servers as containers (testcontainers), for a machine with a Docker engine and no local
 * Postgres, NATS or Redis. Loaded by global-setup.ts only when a server is missing, so a run against
 * local servers never imports testcontainers nor talks to a Docker engine.
 */
import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
  Wait,
  type WaitStrategy,
} from "testcontainers";
import type { TestServer } from "./test-servers.ts";

/** Longest wait for a container to become ready, image pull included, in ms. @default 120_000 */
const STARTUP_TIMEOUT_MS = 120_000;

export interface ServerContainer {
  readonly server: TestServer;
  /** The same images as docker-compose.yml (deploy/test checks it). */
  readonly image: string;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** The port the tests connect to; `exposedPorts` adds any the wait strategy needs. */
  readonly port: number;
  readonly exposedPorts: readonly number[];
  readonly wait: WaitStrategy;
}

/** The database the tests' URL names is created at start, so a URL ending in `/tessera` works too. */
export function serverContainer(server: TestServer, url: string): ServerContainer {
  switch (server) {
    case "postgres":
      return {
        server,
        image: "pgvector/pgvector:pg17",
        command: [],
        environment: {
          POSTGRES_HOST_AUTH_METHOD: "trust",
          POSTGRES_DB: new URL(url).pathname.slice(1) || "postgres",
        },
        port: 5432,
        exposedPorts: [5432],
        // The entrypoint starts the server once for its init scripts, then for good: the second line counts.
        wait: Wait.forLogMessage(/database system is ready to accept connections/, 2).withStartupTimeout(
          STARTUP_TIMEOUT_MS,
        ),
      };
    case "nats":
      return {
        server,
        image: "nats:2.10-alpine",
        command: ["-js", "-m", "8222"],
        environment: {},
        port: 4222,
        exposedPorts: [4222, 8222],
        wait: Wait.forHttp("/healthz?js-enabled-only=true", 8222).withStartupTimeout(STARTUP_TIMEOUT_MS),
      };
    case "redis":
      return {
        server,
        image: "redis:7-alpine",
        command: ["redis-server", "--save", "", "--appendonly", "no"],
        environment: {},
        port: 6379,
        exposedPorts: [6379],
        wait: Wait.forLogMessage(/Ready to accept connections/).withStartupTimeout(STARTUP_TIMEOUT_MS),
      };
    default: {
      const unknown: never = server;
      throw new TypeError(`no container for ${String(unknown)}`);
    }
  }
}

/** The testcontainers definition of one server, not started. */
export function genericContainerOf(definition: ServerContainer): GenericContainer {
  const container = new GenericContainer(definition.image)
    .withEnvironment({ ...definition.environment })
    .withExposedPorts(...definition.exposedPorts)
    .withWaitStrategy(definition.wait);
  return definition.command.length > 0 ? container.withCommand([...definition.command]) : container;
}

/** `url` with the container's host and mapped port in place of its own; user, database and path kept. */
export function urlAt(url: string, host: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.toString();
}

/** Whether testcontainers finds a Docker (or compatible) engine: socket, DOCKER_HOST or its config. */
export async function dockerReachable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export interface StartedServers {
  /** The new URL of each started server. */
  readonly urls: Readonly<Partial<Record<TestServer, string>>>;
  stop(): Promise<void>;
}

/** Starts the given servers in parallel; each URL keeps what the tests' own URL said but the address. */
export async function startServerContainers(
  servers: readonly TestServer[],
  urlOf: (server: TestServer) => string,
): Promise<StartedServers> {
  const started: StartedTestContainer[] = [];
  const urls: Partial<Record<TestServer, string>> = {};
  const stop = async () => {
    await Promise.all(started.map((container) => container.stop()));
  };
  try {
    await Promise.all(
      servers.map(async (server) => {
        const definition = serverContainer(server, urlOf(server));
        const container = await genericContainerOf(definition).start();
        started.push(container);
        urls[server] = urlAt(urlOf(server), container.getHost(), container.getMappedPort(definition.port));
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, stop };
}
