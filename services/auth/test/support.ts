import { createDecipheriv, randomBytes } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus, headersFromContext } from "@tessera/bus";
import {
  type LinkPurpose,
  linkTokenAad,
  type MessageContext,
  type OperationDefinition,
} from "@tessera/contracts";
import { type InProcessService, startInProcess, TEST_NATS_URL } from "@tessera/testing";
import { sql } from "kysely";
import { authConfigSchema } from "../src/config.ts";
import { startAuthService } from "../src/service.ts";

/** The key `outbound` would hold: tests decrypt link tokens with it, as `outbound` will. */
export const LINK_KEY = { keyId: "test-1", key: randomBytes(32) };

export interface AuthHarness {
  auth: InProcessService<Awaited<ReturnType<typeof startAuthService>>>;
  nc: NatsConnection;
  caller: Bus;
  /** Moves the service's clock (ms added to real time). */
  advanceClock(ms: number): void;
  stop(): Promise<void>;
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** `auth` in process with a movable clock, and a bus to call it as the gateway does. */
export async function startAuth(env: Record<string, string> = {}): Promise<AuthHarness> {
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const auth = await startInProcess({
    configSchema: authConfigSchema,
    start: (config) => startAuthService(config, { clock }),
    env: { AUTH_LINK_TOKEN_KEY: `${LINK_KEY.keyId}:${LINK_KEY.key.toString("base64url")}`, ...env },
  });
  const nc = await connect({ servers: TEST_NATS_URL });
  const caller = createBus(nc, { service: "api-gateway", namespace: auth.namespace, logger: silent });
  return {
    auth,
    nc,
    caller,
    advanceClock(ms) {
      offsetMs += ms;
    },
    async stop() {
      await nc.close();
      await auth.stop();
    },
  };
}

let counter = 0;
/** A request context as the gateway sets it; each call has its own client address unless given one. */
export function ctx(extra: Partial<MessageContext> = {}): MessageContext {
  counter += 1;
  return {
    requestId: `auth-test-${counter}`,
    clientIp: `10.1.${(counter >> 8) & 255}.${counter & 255}`,
    ...extra,
  };
}

export function decryptLinkToken(
  encrypted: { keyId: string; ciphertext: string },
  purpose: LinkPurpose,
  accountId: string,
): string {
  if (encrypted.keyId !== LINK_KEY.keyId) throw new Error(`unexpected key id ${encrypted.keyId}`);
  const bytes = Buffer.from(encrypted.ciphertext, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", LINK_KEY.key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(linkTokenAad(purpose, accountId), "utf8"));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(
    "utf8",
  );
}

/** The newest link token of an account, decrypted from the stored event as `outbound` would. */
export async function latestLinkToken(
  harness: AuthHarness,
  accountId: string,
  purpose: LinkPurpose,
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const type =
    purpose === "password-reset" ? "auth.password.reset_requested" : "auth.email.verification_requested";
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  for (;;) {
    const { rows } = await sql<{ data: { token: { keyId: string; ciphertext: string } } }>`
      select data from auth.events where stream_id = ${`account-${accountId}`} and type = ${type}
      order by stream_version desc limit 1
    `.execute(harness.auth.database.db);
    const data = rows[0]?.data;
    if (data) return decryptLinkToken(data.token, purpose, accountId);
    if (Date.now() > deadline) throw new Error(`no ${type} for ${accountId}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** A reply envelope as `auth` sent it. */
export interface RawReply {
  ok: boolean;
  data?: unknown;
  error?: { status: number; code: string; errors?: { field: string; message: string }[] };
}

/**
 * Sends the payload to `auth` as it is, without the caller's own validation, so what is checked is
 * the service's (JSON carries a lone surrogate as `\uD800`, which parses back to one).
 */
export async function rawRequest(
  harness: AuthHarness,
  operation: OperationDefinition,
  payload: unknown,
  context: MessageContext,
): Promise<RawReply> {
  const subject = busNames(harness.auth.namespace).subject(operation.subject);
  const reply = await harness.nc.request(subject, JSON.stringify(payload), {
    headers: headersFromContext(context),
    timeout: 5_000,
  });
  return reply.json<RawReply>();
}
