import { createHash } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus } from "@tessera/bus";
import {
  AccessTokenClaimsSchema,
  accountsRegister,
  EventEnvelopeSchema,
  JWKS_KV,
  JwksSchema,
  RemoteError,
  sessionsLogin,
  type TokenPair,
} from "@tessera/contracts";
import { type InProcessService, startInProcess, TEST_NATS_URL } from "@tessera/testing";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authConfigSchema } from "../src/config.ts";
import { startAuthService } from "../src/service.ts";

let auth: InProcessService<Awaited<ReturnType<typeof startAuthService>>>;
let nc: NatsConnection;
let caller: Bus;
const silent = { info() {}, warn() {}, error() {}, debug() {} };
let counter = 0;
const ctx = () => ({ requestId: `auth-int-${++counter}` });
const password = "a perfectly fine passphrase";

beforeAll(async () => {
  auth = await startInProcess({ configSchema: authConfigSchema, start: startAuthService });
  nc = await connect({ servers: TEST_NATS_URL });
  caller = createBus(nc, { service: "api-gateway", namespace: auth.namespace, logger: silent });
});

afterAll(async () => {
  await nc?.close();
  await auth?.stop();
});

function register(email: string): Promise<TokenPair> {
  return caller.request(accountsRegister, { email, password }, ctx());
}

describe("auth registration and login", () => {
  it("stores an argon2id hash at OWASP parameters and never the password", async () => {
    const pair = await register("grace@example.com");
    const { rows } = await sql<{ password_hash: string }>`
      select password_hash from auth.accounts where account_id = ${pair.user.id}
    `.execute(auth.database.db);
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const { rows: dump } = await sql<{ text: string }>`
      select string_agg(data::text || metadata::text, ' ') as text from auth.events
    `.execute(auth.database.db);
    expect(dump[0]?.text).not.toContain(password);
  });

  it("keeps only the SHA-256 of the refresh token", async () => {
    const pair = await register("hopper@example.com");
    expect(Buffer.from(pair.refreshToken, "base64url")).toHaveLength(32);
    const { rows } = await sql<{ refresh_token_hash: string }>`
      select refresh_token_hash from auth.sessions where account_id = ${pair.user.id}
    `.execute(auth.database.db);
    expect(rows).toEqual([
      { refresh_token_hash: createHash("sha256").update(pair.refreshToken).digest("hex") },
    ]);
    const { rows: dump } = await sql<{ text: string }>`
      select string_agg(data::text, ' ') as text from auth.events
    `.execute(auth.database.db);
    expect(dump[0]?.text).not.toContain(pair.refreshToken);
  });

  it("signs access tokens with EdDSA under a kid that the JWKS in NATS KV verifies", async () => {
    const pair = await register("lovelace@example.com");
    const kv = await caller.kv(JWKS_KV.bucket);
    const entry = await kv.get(JWKS_KV.key);
    const jwks = JwksSchema.parse(entry?.json());
    const header = decodeProtectedHeader(pair.accessToken);
    expect(header.alg).toBe("EdDSA");
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);
    const { payload } = await jwtVerify(pair.accessToken, createLocalJWKSet(jwks), {
      issuer: "tessera",
      audience: "tessera-api",
      algorithms: ["EdDSA"],
    });
    const claims = AccessTokenClaimsSchema.parse(payload);
    expect(claims.sub).toBe(pair.user.id);
    expect(claims.exp - claims.iat).toBe(900);
    expect(pair.expiresIn).toBe(900);
  });

  it("publishes evt.auth.account.registered without the password hash", async () => {
    const pair = await register("hamilton@example.com");
    const jsm = await jetstreamManager(nc);
    const names = busNames(auth.namespace);
    const subject = names.subject("evt.auth.account.registered");
    let published: unknown;
    for (let tries = 0; tries < 50 && published === undefined; tries++) {
      const message = await jsm.streams.getMessage(names.eventStream("auth"), { last_by_subj: subject });
      const envelope = message ? EventEnvelopeSchema.parse(message.json()) : undefined;
      if (envelope && (envelope.data as { accountId?: string }).accountId === pair.user.id)
        published = envelope;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(published).toMatchObject({
      type: "auth.account.registered",
      data: { email: "hamilton@example.com" },
    });
    expect(Object.keys((published as { data: object }).data).sort()).toEqual([
      "accountId",
      "email",
      "registeredAt",
    ]);
  });

  it("lets exactly one of many concurrent registrations of one email win, whatever its case", async () => {
    const variants = ["Race@Example.com", "race@example.com", "RACE@EXAMPLE.COM", "rAce@example.com"];
    const results = await Promise.allSettled(variants.map((email) => register(email)));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") {
        expect(result.reason).toBeInstanceOf(RemoteError);
        expect(result.reason).toMatchObject({ code: "auth.email_taken", status: 409 });
      }
    }
  });

  it("logs in with the email in any case and refuses a wrong password", async () => {
    const pair = await register("Noether@Example.com");
    const login = await caller.request(sessionsLogin, { email: "noether@example.com", password }, ctx());
    expect(login.user.id).toBe(pair.user.id);
    await expect(
      caller.request(sessionsLogin, { email: "noether@example.com", password: "wrong password!" }, ctx()),
    ).rejects.toMatchObject({ code: "auth.invalid_credentials", status: 401 });
  });

  it("refuses one of the most common passwords, in any case, with errors on the password field", async () => {
    for (const common of ["password123", "Password123", "QWERTYUIOP"]) {
      await expect(
        caller.request(accountsRegister, { email: "common@example.com", password: common }, ctx()),
      ).rejects.toMatchObject({
        status: 400,
        code: "auth.password_too_common",
        errors: [{ field: "password", message: expect.any(String) }],
      });
    }
  });

  it("takes a long password exactly as typed, spaces and case included", async () => {
    const exact = `  Ünïcode Passphrase ${"x".repeat(100)}  `;
    await caller.request(accountsRegister, { email: "exact@example.com", password: exact }, ctx());
    await expect(
      caller.request(sessionsLogin, { email: "exact@example.com", password: exact }, ctx()),
    ).resolves.toBeDefined();
    await expect(
      caller.request(sessionsLogin, { email: "exact@example.com", password: exact.trim() }, ctx()),
    ).rejects.toMatchObject({ code: "auth.invalid_credentials" });
  });
});
