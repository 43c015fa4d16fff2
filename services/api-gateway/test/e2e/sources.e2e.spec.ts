import { randomUUID } from "node:crypto";
import {
  CreatedSourceSchema,
  ItemPageSchema,
  ProblemSchema,
  SourcePageSchema,
  SourceSchema,
} from "@tessera/contracts";
import { freePort, stackClient } from "@tessera/testing";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";

// The webhook deliveries below need the gateway's raw-body transport (rawBody routes hand the
// operation the exact bytes); the other requests are plain JSON routes.

let publicUrl = "";
const stack = useStack(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  return { port, env: { INGESTION_PUBLIC_URL: publicUrl } };
});

const { call, register, eventually } = stackClient(() => stack.gatewayUrl);
const projectionWait = { timeoutMs: 15_000 };

async function projectOf(token: string, name: string): Promise<string> {
  const created = await eventually(
    () => call("POST", "/v1/projects", token, { name }),
    (status) => status === 404,
    projectionWait,
  );
  expect(created.status).toBe(201);
  return z.object({ id: z.uuid() }).parse(await created.json()).id;
}

/** The first write to a new project waits for its membership to reach the gateway's access check. */
async function firstWrite(request: () => Promise<Response>): Promise<Response> {
  return eventually(request, (status) => status === 404, projectionWait);
}

/** A webhook exactly as a sender puts it on the wire: the signed bytes, nothing re-encoded. */
function deliver(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
  contentType = "application/json",
) {
  return fetch(url, { method: "POST", headers: { "content-type": contentType, ...headers }, body });
}

function signedBy(secret: string, body: string, id = `msg_${randomUUID()}`, at = new Date()) {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

describe("sources and webhooks through the gateway", () => {
  it("creates a webhook source, takes a signed delivery once, and refuses every unverifiable one alike", async () => {
    const owner = await register();
    const projectId = await projectOf(owner.accessToken, "Hooks");
    const sources = `/v1/projects/${projectId}/sources`;
    const created = await firstWrite(() =>
      call("POST", sources, owner.accessToken, { type: "webhook", name: "Billing" }),
    );
    expect(created.status).toBe(201);
    const source = CreatedSourceSchema.parse(await created.json());
    if (source.type !== "webhook") throw new Error("not a webhook source");
    expect(source.webhook.url).toBe(`${publicUrl}/v1/hooks/${source.id}`);

    const read = await call("GET", `${sources}/${source.id}`, owner.accessToken);
    const readText = await read.text();
    expect(SourceSchema.parse(JSON.parse(readText))).toMatchObject({
      id: source.id,
      webhookUrl: source.webhook.url,
    });
    expect(readText).not.toContain(source.webhook.secret);

    // Spaces and key order a re-serialiser would change: only these exact bytes verify.
    const body = '{ "type": "invoice.paid",  "amount": 4200 }';
    const headers = signedBy(source.webhook.secret, body, "msg_e2e_1");
    expect((await deliver(source.webhook.url, body, headers)).status).toBe(202);
    expect((await deliver(source.webhook.url, body, headers)).status).toBe(202);
    const items = ItemPageSchema.parse(
      await (await call("GET", `${sources}/${source.id}/items`, owner.accessToken)).json(),
    );
    expect(items.items).toHaveLength(1);
    expect(items.items[0]).toMatchObject({
      externalId: "msg_e2e_1",
      revision: 1,
      bytes: Buffer.byteLength(body),
    });

    const refusals = [
      await deliver(source.webhook.url, JSON.stringify(JSON.parse(body)), headers),
      await deliver(source.webhook.url, body, { ...headers, "webhook-signature": "v1,AAAA" }),
      await deliver(
        source.webhook.url,
        body,
        signedBy(source.webhook.secret, body, "msg_old", new Date(Date.now() - 3_600_000)),
      ),
      await deliver(`${stack.gatewayUrl}/v1/hooks/${randomUUID()}`, body, headers),
    ];
    const answers = await Promise.all(
      refusals.map(async (response) => ({
        status: response.status,
        body: ProblemSchema.parse(await response.json()),
      })),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      const { instance: _instance, requestId: _requestId, ...rest } = answer.body;
      const { instance: _i, requestId: _r, ...first } = answers[0]?.body ?? answer.body;
      expect(rest).toEqual(first);
      expect(answer.body.code).toBe("ingestion.hook_unverified");
    }
  });

  it("refuses a webhook body over 1 MiB with 413", async () => {
    const owner = await register();
    const projectId = await projectOf(owner.accessToken, "Big");
    const created = await firstWrite(() =>
      call("POST", `/v1/projects/${projectId}/sources`, owner.accessToken, { type: "webhook", name: "Big" }),
    );
    const source = CreatedSourceSchema.parse(await created.json());
    if (source.type !== "webhook") throw new Error("not a webhook source");
    const body = `"${"a".repeat(1_048_576)}"`;
    const response = await deliver(source.webhook.url, body, signedBy(source.webhook.secret, body));
    expect(response.status).toBe(413);
  });

  it("hides a project's sources from non-members and binds one Chatwoot account to one project", async () => {
    const owner = await register();
    const outsider = await register();
    const projectId = await projectOf(owner.accessToken, "Support");
    const sources = `/v1/projects/${projectId}/sources`;
    const config = { baseUrl: "https://e2e.chatwoot.example", accountId: 12, apiAccessToken: "secret-token" };
    const created = await firstWrite(() =>
      call("POST", sources, owner.accessToken, { type: "chatwoot", name: "Helpdesk", config }),
    );
    expect(created.status).toBe(201);
    const createdText = await created.text();
    expect(createdText).not.toContain("secret-token");
    const source = SourceSchema.parse(JSON.parse(createdText));

    for (const [method, path, body] of [
      ["GET", sources, undefined],
      ["GET", `${sources}/${source.id}`, undefined],
      ["GET", `${sources}/${source.id}/items`, undefined],
      ["POST", sources, { type: "webhook", name: "planted" }],
      ["PATCH", `${sources}/${source.id}`, { name: "renamed" }],
      ["POST", `${sources}/${source.id}/rotate-secret`, undefined],
      ["POST", `${sources}/${source.id}/sync`, undefined],
      ["DELETE", `${sources}/${source.id}`, undefined],
    ] as const) {
      const response = await call(method, path, outsider.accessToken, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(ProblemSchema.parse(await response.json()).code).toBe("project.not_found");
    }

    const theirs = await projectOf(outsider.accessToken, "Theirs");
    const taken = await firstWrite(() =>
      call("POST", `/v1/projects/${theirs}/sources`, outsider.accessToken, {
        type: "chatwoot",
        name: "Same account",
        config: { ...config, baseUrl: "https://E2E.chatwoot.example/" },
      }),
    );
    expect(taken.status).toBe(409);
    expect(ProblemSchema.parse(await taken.json()).code).toBe("ingestion.external_source_taken");

    // The ingestion service runs the sync worker: the run is queued (it fails later, the host
    // being fictional; chatwoot-sync.e2e.spec.ts syncs a real fake).
    const sync = await call("POST", `${sources}/${source.id}/sync`, owner.accessToken);
    expect(sync.status).toBe(202);
    expect(z.object({ runId: z.uuid() }).parse(await sync.json()).runId).toBeTypeOf("string");

    expect((await call("DELETE", `${sources}/${source.id}`, owner.accessToken)).status).toBe(202);
    const listed = SourcePageSchema.parse(await (await call("GET", sources, owner.accessToken)).json());
    expect(listed.items).toEqual([]);
    const again = await call("POST", `/v1/projects/${theirs}/sources`, outsider.accessToken, {
      type: "chatwoot",
      name: "Same account",
      config,
    });
    expect(again.status).toBe(201);
  });
});
