import { randomBytes, randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createBus } from "@tessera/bus";
import { accountsGet, meGet, ProblemSchema, TesseraError } from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { stackClient, TEST_NATS_URL, uniqueEmail } from "@tessera/testing";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useStack } from "../support/stack.ts";

const CLERK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const stack = useStack({ env: { IDENTITY_HOOK_ISSUERS: `clerk=${CLERK_SECRET}` } });
const { post } = stackClient(() => stack.gatewayUrl);
const silent = { info() {}, warn() {}, error() {}, debug() {} };

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
});
afterAll(async () => {
  await nc?.close();
});

/** A Clerk webhook exactly as Svix puts it on the wire. */
function deliver(issuer: string, payload: unknown, secret = CLERK_SECRET): Promise<Response> {
  const body = JSON.stringify(payload);
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  return fetch(`${stack.gatewayUrl}/v1/hooks/identity/${issuer}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new Webhook(secret).sign(id, at, body),
    },
    body,
  });
}

async function waitFor<T>(read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the identity hook through the gateway", () => {
  it("makes an account for a Clerk user.created and erases it across services on user.deleted", async () => {
    const subject = `user_${randomUUID()}`;
    const email = uniqueEmail("clerk");
    const created = await deliver("clerk", {
      type: "user.created",
      object: "event",
      data: {
        id: subject,
        object: "user",
        email_addresses: [{ id: "idn_1", email_address: email, verification: { status: "verified" } }],
        primary_email_address_id: "idn_1",
        first_name: "Cleo",
        last_name: "Clerk",
      },
    });
    expect(created.status).toBe(202);

    const db = stack.database.db;
    const accountId = await waitFor(async () => {
      const { rows } = await sql<{ account_id: string }>`
        select account_id from auth.oauth_identities where issuer = 'identity-hook:clerk' and subject = ${subject}`.execute(
        db,
      );
      return rows[0]?.account_id;
    });
    const bus = createBus(nc, { service: "api-gateway", namespace: stack.namespace, logger: silent });
    expect(await bus.request(accountsGet, { accountId }, systemContext("e2e"))).toMatchObject({
      email,
      emailVerified: true,
      displayName: "Cleo Clerk",
    });
    const asUser = { requestId: `e2e-${randomUUID()}`, actor: accountId };
    expect(await waitFor(() => bus.request(meGet, {}, asUser))).toMatchObject({ displayName: "Cleo Clerk" });
    // It signs in at the provider: no password works here.
    const login = await post("/v1/auth/login", { email, password: "correct horse battery staple" });
    expect(login.status).toBe(401);

    const deleted = await deliver("clerk", {
      type: "user.deleted",
      object: "event",
      data: { id: subject, object: "user", deleted: true },
    });
    expect(deleted.status).toBe(202);
    const gone = await waitFor(() =>
      bus.request(meGet, {}, asUser).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(gone).toBeInstanceOf(TesseraError);
    expect(gone).toMatchObject({ status: 404 });
    await waitFor(() =>
      bus.request(accountsGet, { accountId }, systemContext("e2e")).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
  });

  it("answers an unknown issuer and a bad signature with the same 401 problem", async () => {
    const payload = { type: "user.created", data: { id: `user_${randomUUID()}` } };
    const answers = await Promise.all([
      deliver("nobody", payload),
      deliver("clerk", payload, `whsec_${randomBytes(24).toString("base64")}`),
    ]);
    const bodies = await Promise.all(
      answers.map(async (answer) => {
        expect(answer.status).toBe(401);
        const {
          requestId: _requestId,
          instance: _instance,
          ...rest
        } = ProblemSchema.parse(await answer.json());
        return rest;
      }),
    );
    expect(bodies[0]).toEqual(bodies[1]);
    expect(bodies[0]).toMatchObject({ code: "ingestion.hook_unverified" });
  });
});
