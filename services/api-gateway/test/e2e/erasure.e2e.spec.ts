import { randomUUID } from "node:crypto";
import { TokenPairSchema } from "@tessera/contracts";
import {
  createEventStore,
  createPersonalDataVault,
  ERASED_PLACEHOLDER,
  rebuildProjection,
} from "@tessera/eventstore";
import { busMessagesMentioning, createKysely, stackClient, uniqueEmail } from "@tessera/testing";
import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { authReadModel } from "../../../auth/src/infra/auth-store.ts";
import { userReadModel } from "../../../user/src/infra/read-model.ts";
import { useStack } from "../support/stack.ts";

const stack = useStack();
const password = "an erasable e2e passphrase";

const { call, post, register } = stackClient(() => stack.gatewayUrl);

/** Polls `read` until it yields a value: the erasure reaches every service's store asynchronously. */
async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Every text-like column of every table in every non-system schema of the stack's database that
 * holds `needle` (case ignored), as `schema.table.column`.
 */
async function columnsMentioning(needle: string): Promise<string[]> {
  const db = stack.database.db;
  const { rows: columns } = await sql<{ table_schema: string; table_name: string; column_name: string }>`
    select c.table_schema, c.table_name, c.column_name
      from information_schema.columns c
      join information_schema.tables t
        on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
     where c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg\\_%'
       and c.data_type in ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED', 'tsvector')`.execute(
    db,
  );
  const found: string[] = [];
  for (const column of columns) {
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from ${sql.table(`${column.table_schema}.${column.table_name}`)}
       where strpos(lower(${sql.ref(column.column_name)}::text), ${needle.toLowerCase()}) > 0`.execute(db);
    if ((rows[0]?.count ?? 0) > 0)
      found.push(`${column.table_schema}.${column.table_name}.${column.column_name}`);
  }
  return found.sort();
}

const messagesMentioning = (needle: string): Promise<string[]> =>
  busMessagesMentioning(stack.namespace, needle);

/** A handle whose search_path is one service's schema, as the service's own. */
function schemaHandle(schema: string): Kysely<unknown> {
  const url = new URL(stack.database.url);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return createKysely(url.toString(), 2);
}

describe("erasure across the stack", () => {
  it("leaves the email in no table of any schema once DELETE /v1/users/me answers 202, and the stores still replay", async () => {
    const email = `Erin.${randomUUID().slice(0, 8)}@Example.com`;
    const displayName = `Erin ${randomUUID().slice(0, 6)}`;
    const phone = `+49155${Math.floor(Math.random() * 1e7)}`;
    const registered = await post("/v1/auth/register", { email, password });
    expect(registered.status).toBe(201);
    const pair = TokenPairSchema.parse(await registered.json());
    const token = pair.accessToken;
    const other = await register({ email: uniqueEmail("kept"), password });

    await eventually(async () =>
      (await call("GET", "/v1/users/me", token)).status === 200 ? true : undefined,
    );
    const patched = await call("PATCH", "/v1/users/me", token, { displayName, preferences: { phone } });
    expect(patched.status).toBe(200);
    const created = await call("POST", "/v1/projects", token, { name: "Erasure project" });
    expect(created.status).toBe(201);
    const project = z.object({ id: z.uuid() }).parse(await created.json());
    const memory = await call("POST", `/v1/projects/${project.id}/memories`, token, {
      content: `Write to ${email} or call ${phone}`,
    });
    expect(memory.status).toBe(201);
    expect((await post("/v1/auth/password/forgot", { email })).status).toBe(202);
    expect(
      await eventually(async () => ((await columnsMentioning(phone)).length > 0 ? true : undefined)),
    ).toBe(true);

    // Published in the clear, as its contract says: the registration carries the email.
    expect(
      await eventually(async () => ((await messagesMentioning(email)).length > 0 ? true : undefined)),
    ).toBe(true);

    const erased = await call("DELETE", "/v1/users/me", token);
    expect(erased.status).toBe(202);

    for (const secret of [email, displayName, phone]) {
      const left = await eventually(async () => {
        const columns = await columnsMentioning(secret);
        return columns.length === 0 ? columns : undefined;
      }, 30_000).catch(async () => columnsMentioning(secret));
      expect(left, `${secret} is still stored in plaintext`).toEqual([]);
      const published = await eventually(async () => {
        const messages = await messagesMentioning(secret);
        return messages.length === 0 ? messages : undefined;
      }, 30_000).catch(async () => messagesMentioning(secret));
      expect(published, `${secret} is still on the bus in plaintext`).toEqual([]);
    }
    // The session is on the gateway's deny-list; the password no longer opens anything.
    await eventually(async () =>
      (await call("GET", "/v1/users/me", token)).status === 401 ? true : undefined,
    );
    expect((await post("/v1/auth/login", { email, password })).status).toBe(401);

    // Replaying the stores: every sealed event still opens (the erased ones as placeholders) and the
    // auth and user read models rebuild without the person.
    const auth = schemaHandle("auth");
    const users = schemaHandle("users");
    try {
      const stored = await createEventStore(auth, { schema: "auth" }).readStream(`account-${pair.user.id}`);
      const revealed = await createPersonalDataVault(auth, { schema: "auth" }).reveal(stored.events);
      expect(revealed[0]?.data).toMatchObject({ email: ERASED_PLACEHOLDER });
      await rebuildProjection(auth, { schema: "auth", projection: authReadModel });
      await rebuildProjection(users, { schema: "users", projection: userReadModel });
    } finally {
      await auth.destroy();
      await users.destroy();
    }
    expect(await columnsMentioning(email)).toEqual([]);
    expect((await call("GET", "/v1/users/me", other.accessToken)).status).toBe(200);
    const again = await post("/v1/auth/register", { email, password });
    expect(again.status).toBe(201);
  });
});
