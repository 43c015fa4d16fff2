/**
 * Which Postgres, NATS and Redis a test run uses: the ones that answer at their URLs, or containers
 * started for the ones that do not (where a Docker engine answers), or none, said in one line.
 * Pure: the probes are done by the caller (global-setup.ts), so the choice is tested without I/O.
 */

export const TEST_SERVERS = ["postgres", "nats", "redis"] as const;
export type TestServer = (typeof TEST_SERVERS)[number];

export interface ServerProbe {
  /** The URL the tests would use (credentials included; never printed). */
  readonly url: string;
  /** It answered, and is usable (NATS with JetStream on). */
  readonly answers: boolean;
}

export type TestServerPlan =
  | { readonly kind: "local" }
  | { readonly kind: "containers"; readonly start: readonly TestServer[] }
  | { readonly kind: "neither"; readonly message: string };

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Whether a URL names this machine, where a missing server may be replaced by a container. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** `host:port` of a URL, for messages: never its user or password. */
export function whereOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port === "" ? parsed.hostname : `${parsed.hostname}:${parsed.port}`;
  } catch {
    return "(unparsable URL)";
  }
}

const LABEL: Record<TestServer, string> = { postgres: "Postgres", nats: "NATS (JetStream)", redis: "Redis" };

/**
 * The choice. A server that answers is used as it is. One that does not is started in a container
 * when its URL is on this machine and a Docker engine answers; a remote URL that does not answer is
 * a configuration to fix, not to paper over. `dockerReachable` is only looked at when some server is
 * missing (the caller need not probe Docker otherwise).
 */
export function planTestServers(
  probes: Readonly<Record<TestServer, ServerProbe>>,
  dockerReachable: boolean,
): TestServerPlan {
  const missing = TEST_SERVERS.filter((name) => !probes[name].answers);
  if (missing.length === 0) return { kind: "local" };
  const describe = (names: readonly TestServer[]) =>
    names.map((name) => `${LABEL[name]} at ${whereOf(probes[name].url)}`).join(", ");
  const remote = missing.filter((name) => !isLoopbackUrl(probes[name].url));
  if (remote.length > 0) {
    return {
      kind: "neither",
      message: `test servers: ${describe(remote)} does not answer; fix DATABASE_URL, NATS_URL or REDIS_URL, or unset them to use local servers`,
    };
  }
  if (!dockerReachable) {
    return {
      kind: "neither",
      message: `test servers: ${describe(missing)} does not answer and no Docker engine is reachable; start the servers (bash deploy/local/ensure-servers.sh) or a Docker engine`,
    };
  }
  return { kind: "containers", start: missing };
}
