import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import type { EventEnvelope } from "@tessera/contracts";
import { TEST_NATS_URL } from "@tessera/testing";
import type { BusLogger } from "../src/index.ts";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A logger that keeps what it was told, so tests can assert on it. */
export function captureLogger(): BusLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry["level"]) =>
    (fields: object, message?: string): void => {
      entries.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export function connectTest(): Promise<NatsConnection> {
  return connect({ servers: TEST_NATS_URL, name: "bus-test" });
}

/** Deletes every stream (and so every consumer, KV and object store bucket) a test namespace created. */
export async function removeNamespace(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const prefixes = [`${namespace.toUpperCase()}_`, `KV_${namespace}_`, `OBJ_${namespace}_`];
  for await (const name of jsm.streams.names()) {
    if (prefixes.some((prefix) => name.startsWith(prefix))) await jsm.streams.delete(name);
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 10_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function envelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: "auth.account.registered",
    version: 1,
    streamId: `account-${randomUUID()}`,
    streamVersion: 1,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data: { accountId: randomUUID() },
    metadata: { requestId: `req-${randomUUID()}`, actor: "system:auth" },
    ...overrides,
  };
}

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
