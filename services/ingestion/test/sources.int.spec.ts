import { randomUUID } from "node:crypto";
import {
  type CreatedSource,
  type CreateSourceBody,
  hooksReceive,
  sourceItemsList,
  sourcesCreate,
  sourcesDelete,
  sourcesGet,
  sourcesList,
  sourcesUpdate,
  TesseraError,
} from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonymous,
  type IngestionHarness,
  member,
  published,
  rawOf,
  refusal,
  SECOND,
  signed,
  startIngestion,
} from "./support.ts";

let h: IngestionHarness;

beforeAll(async () => {
  h = await startIngestion();
});

afterAll(async () => {
  await h?.stop();
});

const chatwootConfig = (overrides: Record<string, unknown> = {}) => ({
  baseUrl: "https://chat.example.com",
  accountId: 7,
  apiAccessToken: `cw-token-${randomUUID()}`,
  ...overrides,
});

async function create(projectId: string, body: CreateSourceBody): Promise<CreatedSource> {
  return h.caller.request(sourcesCreate, { projectId, ...body }, member(projectId));
}

describe("sources", () => {
  it("creates a webhook source whose secret and hook URL are shown once, and never again", async () => {
    const projectId = randomUUID();
    const created = await create(projectId, { type: "webhook", name: "Payments" });
    if (created.type !== "webhook") throw new Error("not a webhook source");
    expect(created).toMatchObject({
      projectId,
      name: "Payments",
      paused: false,
      config: {},
      lastSyncAt: null,
    });
    expect(created.webhook.url).toBe(`https://api.example.test/v1/hooks/${created.id}`);
    expect(created.webhookUrl).toBe(created.webhook.url);
    expect(created.webhook.secret).toMatch(/^whsec_/);

    const read = await h.caller.request(
      sourcesGet,
      { projectId, sourceId: created.id },
      member(projectId, "viewer"),
    );
    const listed = await h.caller.request(sourcesList, { projectId, limit: 50 }, member(projectId, "viewer"));
    for (const answer of [read, listed]) expect(JSON.stringify(answer)).not.toContain(created.webhook.secret);
    expect(read).not.toHaveProperty("webhook");
    expect(listed.items.map((source) => source.id)).toEqual([created.id]);
  });

  it("creates a Chatwoot source and an upload source, showing no token and no webhook secret", async () => {
    const projectId = randomUUID();
    const config = chatwootConfig({
      inboxIds: [4, 2, 4],
      webhookSecret: "cw-secret-1",
      schedule: "*/10 * * * *",
    });
    const chatwoot = await create(projectId, { type: "chatwoot", name: "Support", config });
    expect(chatwoot).toMatchObject({
      type: "chatwoot",
      config: {
        baseUrl: "https://chat.example.com",
        accountId: 7,
        inboxIds: [2, 4],
        schedule: "*/10 * * * *",
        webhookSecretSet: true,
      },
    });
    expect(JSON.stringify(chatwoot)).not.toContain(config.apiAccessToken);
    expect(JSON.stringify(chatwoot)).not.toContain("cw-secret-1");
    expect(chatwoot).not.toHaveProperty("webhook");
    const upload = await create(projectId, { type: "upload", name: "Manuals" });
    expect(upload).toMatchObject({ type: "upload", webhookUrl: null, config: {} });
  });

  it("lists a project's sources oldest first, a page at a time", async () => {
    const projectId = randomUUID();
    const ids: string[] = [];
    for (const name of ["a", "b", "c"]) {
      ids.push((await create(projectId, { type: "upload", name })).id);
      h.clock.advance(SECOND);
    }
    const first = await h.caller.request(sourcesList, { projectId, limit: 2 }, member(projectId));
    expect(first.items.map((source) => source.id)).toEqual(ids.slice(0, 2));
    const second = await h.caller.request(
      sourcesList,
      { projectId, limit: 2, cursor: first.nextCursor ?? undefined },
      member(projectId),
    );
    expect(second).toMatchObject({ items: [{ id: ids[2] }], nextCursor: null });
  });

  it("renames, pauses and resumes a source, and merges a Chatwoot configuration change", async () => {
    const projectId = randomUUID();
    const source = await create(projectId, {
      type: "chatwoot",
      name: "Support",
      config: chatwootConfig({ baseUrl: "https://rename.example.com", inboxIds: [1] }),
    });
    const renamed = await h.caller.request(
      sourcesUpdate,
      { projectId, sourceId: source.id, name: "Helpdesk", paused: true },
      member(projectId, "admin"),
    );
    expect(renamed).toMatchObject({ name: "Helpdesk", paused: true });
    const changed = await h.caller.request(
      sourcesUpdate,
      { projectId, sourceId: source.id, paused: false, config: { inboxIds: null, webhookSecret: "new" } },
      member(projectId),
    );
    expect(changed).toMatchObject({
      name: "Helpdesk",
      paused: false,
      config: { baseUrl: "https://rename.example.com", accountId: 7, inboxIds: null, webhookSecretSet: true },
    });
    expect(Date.parse(changed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(changed.createdAt));
  });

  it("refuses configuration on a source type that has none, and an empty change", async () => {
    const projectId = randomUUID();
    const source = await create(projectId, { type: "webhook", name: "Hooks" });
    const refused = await refusal(
      h.caller.request(
        sourcesUpdate,
        { projectId, sourceId: source.id, config: { accountId: 3 } },
        member(projectId),
      ),
    );
    expect(refused).toMatchObject({ status: 400, code: "validation.failed" });
    const empty = await refusal(
      h.caller.request(sourcesUpdate, { projectId, sourceId: source.id }, member(projectId)),
    );
    expect(empty.status).toBe(400);
  });

  it("answers a malformed Chatwoot configuration with 400 naming the field", async () => {
    const projectId = randomUUID();
    for (const [field, config] of [
      ["config.baseUrl", chatwootConfig({ baseUrl: "not a url" })],
      ["config.baseUrl", chatwootConfig({ baseUrl: "https://user:pw@chat.example.com" })],
      ["config.inboxIds", chatwootConfig({ inboxIds: [] })],
      ["config.schedule", chatwootConfig({ schedule: "every minute" })],
    ] as const) {
      const refused = await h.caller
        .request(sourcesCreate, { projectId, type: "chatwoot", name: "Bad", config }, member(projectId))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      // The contract refuses it wherever it is parsed (here, before the request leaves): never a throw.
      expect(refused, field).toBeInstanceOf(TesseraError);
      if (!(refused instanceof TesseraError)) return;
      expect(refused.status, field).toBe(400);
      expect(
        refused.errors?.map((error) => error.field),
        field,
      ).toContain(field);
    }
  });

  it("lets members read sources but only owners and admins change them", async () => {
    const projectId = randomUUID();
    const source = await create(projectId, { type: "webhook", name: "Hooks" });
    for (const role of ["member", "viewer"] as const) {
      const ctx = member(projectId, role);
      expect(await h.caller.request(sourcesGet, { projectId, sourceId: source.id }, ctx)).toMatchObject({
        id: source.id,
      });
      for (const call of [
        () => h.caller.request(sourcesCreate, { projectId, type: "upload", name: "x" }, ctx),
        () => h.caller.request(sourcesUpdate, { projectId, sourceId: source.id, name: "x" }, ctx),
        () => h.caller.request(sourcesDelete, { projectId, sourceId: source.id }, ctx),
      ]) {
        expect((await refusal(call())).status, role).toBe(403);
      }
    }
  });

  it("answers 404 for another project's source and for a project the caller is not in", async () => {
    const projectId = randomUUID();
    const source = await create(projectId, { type: "webhook", name: "Hooks" });
    const elsewhere = randomUUID();
    const notFound = [
      () => h.caller.request(sourcesGet, { projectId: elsewhere, sourceId: source.id }, member(elsewhere)),
      () =>
        h.caller.request(
          sourceItemsList,
          { projectId: elsewhere, sourceId: source.id, limit: 10 },
          member(elsewhere),
        ),
      () => h.caller.request(sourcesDelete, { projectId: elsewhere, sourceId: source.id }, member(elsewhere)),
      // The gateway checked membership of `elsewhere`; the request names the other project.
      () => h.caller.request(sourcesGet, { projectId, sourceId: source.id }, member(elsewhere)),
      () => h.caller.request(sourcesList, { projectId, limit: 10 }, member(elsewhere)),
    ];
    for (const call of notFound) expect((await refusal(call())).status).toBe(404);
  });
});

describe("one external source, one project", () => {
  it("refuses a second source on the same Chatwoot account, in this project or another, until the first is deleted", async () => {
    const first = randomUUID();
    const source = await create(first, {
      type: "chatwoot",
      name: "All inboxes",
      config: chatwootConfig({ baseUrl: "https://bound.example.com" }),
    });
    const other = randomUUID();
    for (const [projectId, baseUrl, inboxIds] of [
      [first, "https://bound.example.com", undefined],
      [other, "https://BOUND.example.com/", undefined],
      [other, "http://bound.example.com", [3]],
    ] as const) {
      const refused = await refusal(
        create(projectId, { type: "chatwoot", name: "Again", config: chatwootConfig({ baseUrl, inboxIds }) }),
      );
      expect(refused, baseUrl).toMatchObject({ status: 409, code: "ingestion.external_source_taken" });
    }
    // Another account of the same installation is another external source.
    await create(other, {
      type: "chatwoot",
      name: "Other account",
      config: chatwootConfig({ baseUrl: "https://bound.example.com", accountId: 8 }),
    });
    await h.caller.request(sourcesDelete, { projectId: first, sourceId: source.id }, member(first));
    await create(other, {
      type: "chatwoot",
      name: "Moved",
      config: chatwootConfig({ baseUrl: "https://bound.example.com" }),
    });
  });

  it("binds inboxes one source each: overlapping lists conflict, disjoint ones do not", async () => {
    const baseUrl = "https://inboxes.example.com";
    const a = randomUUID();
    const b = randomUUID();
    await create(a, {
      type: "chatwoot",
      name: "1 and 2",
      config: chatwootConfig({ baseUrl, inboxIds: [1, 2] }),
    });
    const overlapping = await refusal(
      create(b, { type: "chatwoot", name: "2 and 3", config: chatwootConfig({ baseUrl, inboxIds: [2, 3] }) }),
    );
    expect(overlapping.status).toBe(409);
    const disjoint = await create(b, {
      type: "chatwoot",
      name: "3",
      config: chatwootConfig({ baseUrl, inboxIds: [3] }),
    });
    // Widening to every inbox of the account would overlap the first source.
    const widened = await refusal(
      h.caller.request(
        sourcesUpdate,
        { projectId: b, sourceId: disjoint.id, config: { inboxIds: null } },
        member(b),
      ),
    );
    expect(widened).toMatchObject({ status: 409, code: "ingestion.external_source_taken" });
    const read = await h.caller.request(sourcesGet, { projectId: b, sourceId: disjoint.id }, member(b));
    expect(read).toMatchObject({ config: { inboxIds: [3] } });
  });

  it("lets only one of simultaneous creations bind overlapping inboxes of one account", async () => {
    const baseUrl = "https://race.example.com";
    // Every pair overlaps, but only some pairs share a binding row: the lock, not the index, decides.
    const inboxLists = [undefined, [1], [1, 2], [1, 3], undefined, [1, 4]];
    const results = await Promise.allSettled(
      inboxLists.map((inboxIds) =>
        create(randomUUID(), {
          type: "chatwoot",
          name: "Race",
          config: chatwootConfig({ baseUrl, inboxIds }),
        }),
      ),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  });
});

describe("deleting a source", () => {
  it("removes it with its items, refuses its hooks, and tells consumers with evt.ingestion.source.deleted", async () => {
    const projectId = randomUUID();
    const source = await create(projectId, { type: "webhook", name: "Short-lived" });
    if (source.type !== "webhook") throw new Error("not a webhook source");
    const body = '{"kind":"ping"}';
    const raw = rawOf(body, signed(source.webhook.secret, body, h.clock.now()));
    await h.caller.request(hooksReceive, { sourceId: source.id, raw }, anonymous());
    const items = await h.caller.request(
      sourceItemsList,
      { projectId, sourceId: source.id, limit: 10 },
      member(projectId),
    );
    expect(items.items).toHaveLength(1);

    expect(
      await h.caller.request(sourcesDelete, { projectId, sourceId: source.id }, member(projectId)),
    ).toBeNull();
    expect(
      (await refusal(h.caller.request(sourcesGet, { projectId, sourceId: source.id }, member(projectId))))
        .status,
    ).toBe(404);
    expect(
      (await refusal(h.caller.request(sourcesDelete, { projectId, sourceId: source.id }, member(projectId))))
        .status,
    ).toBe(404);
    const hook = await refusal(h.caller.request(hooksReceive, { sourceId: source.id, raw }, anonymous()));
    expect(hook).toMatchObject({ status: 401, code: "ingestion.hook_unverified" });
    for (const table of ["items", "item_revisions", "hook_deliveries", "sources"]) {
      const column = table === "sources" ? "id" : "source_id";
      const { rows } = await sql<{ count: number }>`
        select count(*)::int as count from ${sql.table(`ingestion.${table}`)} where ${sql.ref(column)} = ${source.id}
      `.execute(h.service.database.db);
      expect(rows[0]?.count, table).toBe(0);
    }

    const [deleted] = await published(h, "ingestion.source.deleted", (data) => data.sourceId === source.id);
    expect(deleted?.data).toEqual({
      sourceId: source.id,
      projectId,
      type: "webhook",
      deletedAt: expect.any(String),
    });
  });
});
