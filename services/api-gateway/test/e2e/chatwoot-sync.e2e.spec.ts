import { ItemPageSchema, SourceSchema } from "@tessera/contracts";
import { stackClient } from "@tessera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
// The fake Chatwoot of the ingestion service's tests: the same API shapes, here behind the gateway.
import { type FakeChatwoot, startFakeChatwoot } from "../../../ingestion/test/fake-chatwoot.ts";
import { useStack } from "../support/stack.ts";

const TOKEN = "e2e-chatwoot-token";
let fake: FakeChatwoot | undefined;

const stack = useStack(async () => {
  fake = await startFakeChatwoot({ accountId: 3, token: TOKEN });
  return { env: { EGRESS_ALLOW_HOSTS: fake.hostPort } };
});

afterAll(async () => {
  await fake?.stop();
});

const { call, register, eventually } = stackClient(() => stack.gatewayUrl);
const projectionWait = { timeoutMs: 15_000 };

describe("syncing a Chatwoot source through the gateway", () => {
  it("answers 202 with the run's id and brings the account's conversations and messages in as items", async () => {
    if (!fake) throw new Error("no fake Chatwoot");
    const conversation = fake.addConversation({ inboxId: 1, activityAt: 1_990_000_000 });
    fake.addMessage(conversation, { messageType: 0, content: "Hello?" });
    fake.addMessage(conversation, { messageType: 1, content: "Hi!" });

    const owner = await register();
    const project = await eventually(
      () => call("POST", "/v1/projects", owner.accessToken, { name: "Helpdesk" }),
      (status) => status === 404,
      projectionWait,
    );
    const projectId = z.object({ id: z.uuid() }).parse(await project.json()).id;
    const sources = `/v1/projects/${projectId}/sources`;
    const created = await eventually(
      () =>
        call("POST", sources, owner.accessToken, {
          type: "chatwoot",
          name: "Support",
          config: { baseUrl: fake?.url, accountId: 3, apiAccessToken: TOKEN },
        }),
      (status) => status === 404,
      projectionWait,
    );
    expect(created.status).toBe(201);
    const source = SourceSchema.parse(await created.json());

    const sync = await call("POST", `${sources}/${source.id}/sync`, owner.accessToken);
    expect(sync.status).toBe(202);
    expect(z.object({ runId: z.uuid() }).safeParse(await sync.json()).success).toBe(true);

    const deadline = Date.now() + 30_000;
    let ids: string[] = [];
    while (ids.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const page = await call("GET", `${sources}/${source.id}/items`, owner.accessToken);
      ids = ItemPageSchema.parse(await page.json()).items.map((item) => item.externalId);
    }
    const messages = conversation.messages.map((message) => `cw:3:msg:${message.id}`);
    expect(ids.sort()).toEqual([`cw:3:conv:${conversation.id}`, ...messages].sort());
    const shown = SourceSchema.parse(
      await (await call("GET", `${sources}/${source.id}`, owner.accessToken)).json(),
    );
    expect(shown.lastSyncAt).not.toBeNull();
  });
});
