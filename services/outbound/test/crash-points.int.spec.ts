import { randomUUID } from "node:crypto";
import { type Message, messagesAct } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryPoint } from "../src/app/deliver-message.ts";
import type { OutboundServiceHooks } from "../src/service.ts";
import {
  draftEmail,
  eventually,
  member,
  messageReaches,
  newContact,
  type OutboundHarness,
  readMessage,
  refusal,
  startOutbound,
  submitAndApprove,
} from "./support/harness.ts";

/**
 * A delivery run cut off for good at each point where a process can die. The hook never returns
 * (nothing after the point runs, as after a SIGKILL); the service is then stopped, which hands the
 * run back once its drain time is up, and started again on the same database and bus.
 */
let h: OutboundHarness;
let cut: { point: DeliveryPoint; messageId: string; reached: () => void } | undefined;

const cutting: Partial<OutboundServiceHooks> = {
  delivery: {
    at: async (point, messageId) => {
      if (cut?.point !== point || cut.messageId !== messageId) return;
      cut.reached();
      await new Promise<never>(() => {});
    },
  },
};

beforeAll(async () => {
  h = await startOutbound({ hooks: cutting });
});

afterAll(async () => {
  await h?.stop();
});

/** Approves a fresh email, cuts its first run off at `point`, and restarts the service. */
async function crashAt(
  point: DeliveryPoint,
  subject: string,
): Promise<{ projectId: string; draft: Message }> {
  const projectId = randomUUID();
  const contact = await newContact(h, projectId);
  const draft = await draftEmail(h, projectId, contact.id, { subject });
  const reached = new Promise<void>((resolve) => {
    cut = { point, messageId: draft.id, reached: resolve };
  });
  await submitAndApprove(h, draft);
  await reached;
  cut = undefined;
  await h.restart(cutting);
  return { projectId, draft };
}

const received = (subject: string) => h.smtp.received.filter((m) => m.subject === subject).length;
const settle = (projectId: string, messageId: string, action: "mark-sent" | "mark-failed" | "resend") =>
  h.caller.request(
    messagesAct,
    { projectId, messageId, action, reason: "checked the mail server's log" },
    member(projectId, "admin"),
  );
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a delivery run killed at each step", () => {
  it("claimed, nothing recorded: the next run sends it once", async () => {
    const { projectId, draft } = await crashAt("claimed", "Killed when claimed");
    const sent = await messageReaches(h, projectId, draft.id, ["sent"]);
    expect(sent.attempts.map((a) => a.outcome)).toEqual(["sent"]);
    expect(received("Killed when claimed")).toBe(1);
  });

  it("attempt started, channel not called: unknown, not sent again; a person resends it", async () => {
    const { projectId, draft } = await crashAt("attempt-started", "Killed before SMTP");
    const unknown = await eventually(async () => {
      const message = await readMessage(h, projectId, draft.id);
      return message.needsAttention ? message : undefined;
    });
    expect(unknown.status).toBe("sending");
    expect(unknown.attempts.map((a) => a.outcome)).toEqual(["unknown"]);
    expect(received("Killed before SMTP")).toBe(0);
    // A member may not decide; an admin who checked that it never arrived sends it again.
    const denied = await refusal(
      h.caller.request(
        messagesAct,
        { projectId, messageId: draft.id, action: "resend" },
        member(projectId, "member"),
      ),
    );
    expect(denied.status).toBe(403);
    const resent = await settle(projectId, draft.id, "resend");
    expect(resent).toMatchObject({ status: "approved", needsAttention: false });
    const sent = await messageReaches(h, projectId, draft.id, ["sent"]);
    expect(sent.attempts.map((a) => a.outcome)).toEqual(["unknown", "sent"]);
    expect(received("Killed before SMTP")).toBe(1);
  });

  it("after the server's 250, before the record: unknown and sent once; a person marks it sent", async () => {
    const { projectId, draft } = await crashAt("channel-answered", "Killed after 250");
    const unknown = await eventually(async () => {
      const message = await readMessage(h, projectId, draft.id);
      return message.needsAttention ? message : undefined;
    });
    expect(unknown.attempts.map((a) => a.outcome)).toEqual(["unknown"]);
    await pause(1_500);
    expect(received("Killed after 250")).toBe(1);
    const marked = await settle(projectId, draft.id, "mark-sent");
    expect(marked).toMatchObject({ status: "sent", needsAttention: false });
    const again = await refusal(settle(projectId, draft.id, "resend"));
    expect(again).toMatchObject({ status: 409, code: "outbound.illegal_transition" });
    expect(received("Killed after 250")).toBe(1);
  });

  it("outcome recorded, run not acknowledged: the next run finds it sent and sends nothing", async () => {
    const { projectId, draft } = await crashAt("recorded", "Killed after the record");
    const sent = await messageReaches(h, projectId, draft.id, ["sent"]);
    await pause(1_500);
    expect((await readMessage(h, projectId, draft.id)).attempts.map((a) => a.outcome)).toEqual(["sent"]);
    expect(received("Killed after the record")).toBe(1);
    expect(sent.needsAttention).toBe(false);
  });

  it("a person gives an unknown attempt up with mark-failed; a message without one cannot be settled", async () => {
    const { projectId, draft } = await crashAt("attempt-started", "Given up");
    await eventually(async () =>
      (await readMessage(h, projectId, draft.id)).needsAttention ? true : undefined,
    );
    const failed = await settle(projectId, draft.id, "mark-failed");
    expect(failed).toMatchObject({
      status: "failed",
      needsAttention: false,
      reason: "checked the mail server's log",
    });
    const contact = await newContact(h, projectId);
    const other = await submitAndApprove(h, await draftEmail(h, projectId, contact.id, { subject: "Fine" }));
    await messageReaches(h, projectId, other.id, ["sent"]);
    const refused = await refusal(settle(projectId, other.id, "mark-sent"));
    expect(refused).toMatchObject({ status: 409, code: "outbound.illegal_transition" });
    expect(received("Given up")).toBe(0);
  });
});
