import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats, createBus, redactServer } from "@tessera/bus";
import {
  type OperationDefinition,
  TesseraError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from "@tessera/contracts";
import type { z } from "zod";
import { CommandFailedError } from "./command.ts";

/** The actor of every request: the platform's own tool (decision 0073). */
export const CLI_ACTOR = "system:cli";
/** How long to wait for NATS to take the connection, in ms. */
const CONNECT_TIMEOUT_MS = 3_000;
/** How long to wait for a service's answer unless the command says otherwise, in ms. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface Remote {
  /**
   * Sends one operation as `system:cli`. A service that is not running, or does not answer in
   * time, is a `CommandFailedError` naming it; what the service refuses comes back as its error.
   */
  request<Op extends OperationDefinition>(
    operation: Op,
    payload: z.input<Op["request"]>,
    options?: { timeoutMs?: number },
  ): Promise<z.output<Op["response"]>>;
  close(): Promise<void>;
}

export interface RemoteSettings {
  natsUrl: string;
  namespace?: string | undefined;
}

/** Connects once, with a short timeout: a stack that is down is one clear line, not a hang. */
export async function connectRemote(settings: RemoteSettings): Promise<Remote> {
  const shown = redactServer(settings.natsUrl);
  const down = new CommandFailedError(`NATS at ${shown} did not answer: is the stack running? (npm start)`);
  const attempt = connectNats({
    servers: settings.natsUrl,
    name: "tessera-cli",
    logger: silent,
    waitOnFirstConnect: false,
  });
  const timer = new AbortController();
  let nc: NatsConnection;
  try {
    nc = await Promise.race([
      attempt,
      sleep(CONNECT_TIMEOUT_MS, undefined, { signal: timer.signal }).then(() => Promise.reject(down)),
    ]);
  } catch (error) {
    // A late connection must not keep the process alive.
    void attempt.then((late) => late.close()).catch(() => undefined);
    if (error instanceof CommandFailedError) throw error;
    if (error instanceof Error && /authorization/i.test(error.message)) {
      throw new CommandFailedError(
        `NATS at ${shown} refused the sign-in: check the user and password in NATS_URL`,
        { cause: error },
      );
    }
    throw new CommandFailedError(down.message, { cause: error });
  } finally {
    timer.abort();
  }
  // The CLI serves nothing: the bus only sends requests, under the caller's name in the headers.
  const bus = createBus(nc, { service: "api-gateway", namespace: settings.namespace, logger: silent });
  return {
    async request(operation, payload, options = {}) {
      const timeoutMs = options.timeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
      try {
        return await bus.request(
          operation,
          payload,
          { requestId: randomUUID(), actor: CLI_ACTOR },
          { timeoutMs },
        );
      } catch (error) {
        if (error instanceof UpstreamUnavailableError) {
          throw new CommandFailedError(`no ${operation.service} is answering ${operation.subject}`, {
            cause: error,
          });
        }
        if (error instanceof UpstreamTimeoutError) {
          throw new CommandFailedError(
            `${operation.service} did not answer ${operation.subject} within ${timeoutMs / 1_000} s`,
            { cause: error },
          );
        }
        throw error;
      }
    },
    async close() {
      await nc.close();
    },
  };
}

/** One line for a failure a service answered with: its code and what it said. */
export function describeFailure(error: unknown): string {
  if (error instanceof TesseraError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
