import type { NatsConnection, Status } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { BusUsageError } from "./errors.ts";
import type { BusLogger } from "./logger.ts";

export interface ConnectNatsOptions {
  /** One URL, a comma-separated list, or an array, e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`), usually the service. */
  name: string;
  logger: BusLogger;
  /** Keep trying when NATS is not up yet at start-up, instead of failing. @default true */
  waitOnFirstConnect?: boolean;
  /** Wait between reconnect attempts, in ms. @default 2_000 */
  reconnectTimeWaitMs?: number;
}

/** Drops `user:password@` from a server URL so it can be logged. */
export function redactServer(server: string): string {
  return server.replace(
    /^([a-z]+:\/\/)?[^@/]*@/i,
    (_all, scheme: string | undefined) => `${scheme ?? ""}***@`,
  );
}

function serverList(servers: string | string[]): string[] {
  const list = Array.isArray(servers) ? servers : servers.split(",");
  return list.map((server) => server.trim()).filter((server) => server !== "");
}

interface Credentials {
  user?: string;
  pass?: string;
  token?: string;
}

const USERINFO = /^([a-z]+:\/\/)?([^@/]*)@/i;

/**
 * The NATS client does not sign in with the `user:password@` (or `token@`) of a server URL, so take
 * it out of each URL and hand it over as options. Every URL of a list must name the same one.
 */
export function splitCredentials(servers: string[]): { servers: string[]; credentials: Credentials } {
  const userinfos = new Set<string>();
  const bare = servers.map((server) => {
    const userinfo = USERINFO.exec(server)?.[2];
    userinfos.add(userinfo ?? "");
    return userinfo === undefined
      ? server
      : server.replace(USERINFO, (_all, scheme?: string) => scheme ?? "");
  });
  if (userinfos.size > 1) {
    throw new BusUsageError(
      "every NATS server URL of a list must name the same one user and password, or none",
    );
  }
  const [userinfo = ""] = userinfos;
  if (userinfo === "") return { servers: bare, credentials: {} };
  const colon = userinfo.indexOf(":");
  try {
    const credentials: Credentials =
      colon < 0
        ? { token: decodeURIComponent(userinfo) }
        : {
            user: decodeURIComponent(userinfo.slice(0, colon)),
            pass: decodeURIComponent(userinfo.slice(colon + 1)),
          };
    return { servers: bare, credentials };
  } catch (error) {
    throw new BusUsageError("the NATS server URL's user or password is not percent-encoded", {
      cause: error,
    });
  }
}

/** Connects to NATS and reconnects forever, logging every change of connection state. */
export async function connectNats(opts: ConnectNatsOptions): Promise<NatsConnection> {
  const { servers, credentials } = splitCredentials(serverList(opts.servers));
  opts.logger.info({ servers, name: opts.name }, "connecting to NATS");
  const nc = await connect({
    servers,
    ...credentials,
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 2_000,
    waitOnFirstConnect: opts.waitOnFirstConnect ?? true,
    // The client otherwise builds two Error objects (stack traces) per request, in case it fails:
    // measurable on the gateway's hot path; our errors carry the subject and the request id instead.
    noAsyncTraces: true,
  });
  opts.logger.info({ server: redactServer(nc.getServer()) }, "connected to NATS");
  void watchStatus(nc, opts.logger);
  return nc;
}

async function watchStatus(nc: NatsConnection, logger: BusLogger): Promise<void> {
  for await (const status of nc.status()) logStatus(logger, status);
}

function logStatus(logger: BusLogger, status: Status): void {
  switch (status.type) {
    case "disconnect":
      logger.warn({ server: redactServer(status.server) }, "disconnected from NATS");
      return;
    case "reconnecting":
      logger.debug({}, "reconnecting to NATS");
      return;
    case "reconnect":
      logger.info({ server: redactServer(status.server) }, "reconnected to NATS");
      return;
    case "error":
      logger.error({ err: status.error }, "NATS connection error");
      return;
    case "ldm":
      logger.warn({ server: redactServer(status.server) }, "NATS server entering lame duck mode");
      return;
    case "staleConnection":
      logger.warn({}, "NATS connection is stale");
      return;
    case "slowConsumer":
      logger.warn({ subject: status.sub.getSubject(), pending: status.pending }, "slow NATS subscriber");
      return;
    case "close":
      logger.info({}, "NATS connection closed");
      return;
    default:
      return;
  }
}
