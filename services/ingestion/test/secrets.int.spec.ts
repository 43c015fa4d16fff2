import { randomUUID } from "node:crypto";
import {
  hooksReceive,
  sourceSecretsRotate,
  sourcesCreate,
  sourcesGet,
  sourcesList,
  sourcesUpdate,
} from "@tessera/contracts";
import { createLogger } from "@tessera/service-kit";
import { busMessagesMentioning } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonymous,
  eventually,
  type IngestionHarness,
  member,
  published,
  rawOf,
  refusal,
  signed,
  startIngestion,
} from "./support.ts";

const lines: string[] = [];
let h: IngestionHarness;

beforeAll(async () => {
  const logger = createLogger({
    service: "ingestion",
    level: "debug",
    destination: { write: (line) => lines.push(line) },
  });
  h = await startIngestion({ logger, env: { LOG_LEVEL: "debug" } });
});

afterAll(async () => {
  await h?.stop();
});

/** The tables of the `ingestion` schema (the event store's included) with a row whose text contains `needle`. */
async function tablesContaining(needle: string): Promise<string[]> {
  const db = h.service.database.db;
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'ingestion' and table_type = 'BASE TABLE' order by table_name
  `.execute(db);
  const found: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ hits: number }>`
      select count(*)::int as hits from ${sql.table(`ingestion.${name}`)} as t where t::text like ${`%${needle}%`}
    `.execute(db);
    if ((rows[0]?.hits ?? 0) > 0) found.push(name);
  }
  return found;
}

describe("source secrets", () => {
  it("never appear in the logs, the database, the bus, or any answer after the one that showed them", async () => {
    const projectId = randomUUID();
    const ctx = member(projectId);
    const webhook = await h.caller.request(sourcesCreate, { projectId, type: "webhook", name: "Hooks" }, ctx);
    if (webhook.type !== "webhook") throw new Error("not a webhook source");
    const rotated = await h.caller.request(sourceSecretsRotate, { projectId, sourceId: webhook.id }, ctx);
    const secrets = {
      signing: webhook.webhook.secret,
      rotated: rotated.secret,
      token: `cw-token-${randomUUID()}`,
      webhookSecret: `cw-webhook-${randomUUID()}`,
      newToken: `cw-token-${randomUUID()}`,
      newWebhookSecret: `cw-webhook-${randomUUID()}`,
    };
    const chatwoot = await h.caller.request(
      sourcesCreate,
      {
        projectId,
        type: "chatwoot",
        name: "Support",
        config: {
          baseUrl: "https://secrets.chatwoot.example",
          accountId: 1,
          apiAccessToken: secrets.token,
          webhookSecret: secrets.webhookSecret,
        },
      },
      ctx,
    );
    await h.caller.request(
      sourcesUpdate,
      {
        projectId,
        sourceId: chatwoot.id,
        config: { apiAccessToken: secrets.newToken, webhookSecret: secrets.newWebhookSecret },
      },
      ctx,
    );
    const body = '{"event":"ping"}';
    for (const secret of [secrets.signing, secrets.rotated]) {
      await h.caller.request(
        hooksReceive,
        { sourceId: webhook.id, raw: rawOf(body, signed(secret, body, h.clock.now())) },
        anonymous(),
      );
    }
    await refusal(
      h.caller.request(
        hooksReceive,
        {
          sourceId: webhook.id,
          raw: rawOf(body, { "webhook-id": "x", "webhook-timestamp": "1", "webhook-signature": "v1,x" }),
        },
        anonymous(),
      ),
    );
    const answers = [
      await h.caller.request(sourcesGet, { projectId, sourceId: webhook.id }, ctx),
      await h.caller.request(sourcesGet, { projectId, sourceId: chatwoot.id }, ctx),
      await h.caller.request(sourcesList, { projectId, limit: 50 }, ctx),
    ];
    // Published events are on the bus before it is searched.
    await published(h, "ingestion.source.updated", (data) => data.sourceId === chatwoot.id);
    await eventually(async () =>
      (await busMessagesMentioning(h.service.namespace, webhook.id)).length >= 3 ? true : undefined,
    );

    const logged = lines.join("");
    expect(logged).toContain('"level":"debug"');
    expect(logged).toContain(webhook.id);
    for (const [name, secret] of Object.entries(secrets)) {
      expect(logged.includes(secret), `${name} in the logs`).toBe(false);
      expect(await tablesContaining(secret), `${name} in the database`).toEqual([]);
      expect(await busMessagesMentioning(h.service.namespace, secret), `${name} on the bus`).toEqual([]);
      expect(JSON.stringify(answers).includes(secret), `${name} in an answer`).toBe(false);
    }
  });
});
