import { randomUUID } from "node:crypto";
import { messagesAct } from "@tessera/contracts";
import { startInProcess } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobSchedulerConfigSchema } from "../../job-scheduler/src/config.ts";
import { startJobSchedulerService } from "../../job-scheduler/src/service.ts";
import {
  draftEmail,
  member,
  messageReaches,
  newContact,
  type OutboundHarness,
  readMessage,
  refusal,
  startOutbound,
} from "./support/harness.ts";

let h: OutboundHarness;
let second: { stop(): Promise<void> } | undefined;

beforeAll(async () => {
  h = await startOutbound({ env: { OUTBOUND_REQUEUE_POLL_MS: "300" } });
});

afterAll(async () => {
  await second?.stop();
  await h?.stop();
});

describe("an approval whose run could not be queued", () => {
  it("is queued again once the scheduler is back, without a restart, and sent once", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const draft = await draftEmail(h, projectId, contact.id, { subject: "Requeued" });
    await h.caller.request(
      messagesAct,
      { projectId, messageId: draft.id, action: "submit" },
      member(projectId),
    );
    await h.scheduler.running.stop();
    const failed = await refusal(
      h.caller.request(
        messagesAct,
        { projectId, messageId: draft.id, action: "approve" },
        member(projectId),
        {
          timeoutMs: 3_000,
        },
      ),
    );
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect((await readMessage(h, projectId, draft.id)).status).toBe("approved");
    second = await startInProcess({
      configSchema: jobSchedulerConfigSchema,
      start: (config) => startJobSchedulerService(config),
      namespace: h.service.namespace,
      database: h.scheduler.database,
    });
    const sent = await messageReaches(h, projectId, draft.id, ["sent"]);
    expect(sent.attempts).toHaveLength(1);
  });
});
