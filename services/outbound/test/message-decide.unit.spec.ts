import { describe, expect, it } from "vitest";
import { ContactOptedOutError, FourEyesError, IllegalTransitionError } from "../src/domain/errors.ts";
import {
  type MessageCommand,
  type MessageEvent,
  type MessageState,
  mayAct,
  messageDecider,
} from "../src/domain/message.ts";

const projectId = "00000000-0000-4000-8000-000000000001";
const messageId = "00000000-0000-4000-8000-000000000002";
const author = "00000000-0000-4000-8000-00000000000a";
const approver = "00000000-0000-4000-8000-00000000000b";
const now = new Date("2026-06-01T10:00:00Z");
const target = { messageId, projectId };

function run(commands: MessageCommand[]): { state: MessageState; events: MessageEvent[] } {
  let state = messageDecider.initialState();
  const events: MessageEvent[] = [];
  for (const command of commands) {
    for (const event of messageDecider.decide(command, state)) {
      events.push(event);
      state = messageDecider.evolve(state, event);
    }
  }
  return { state, events };
}

const create: MessageCommand = {
  type: "CreateMessage",
  data: {
    ...target,
    content: { channel: "email", contactId: "c", to: null, subject: "s", text: "t", html: null },
    system: false,
    dedupeKey: null,
    sendAt: null,
    evidenceRefs: [{ kind: "memory", id: "m1" }],
  },
  meta: { now, actor: author },
};
const submit: MessageCommand = {
  type: "SubmitMessage",
  data: { ...target, contactOptedOut: false },
  meta: { now, actor: author },
};
const approve = (actor = approver, fourEyes = false): MessageCommand => ({
  type: "ApproveMessage",
  data: { ...target, fourEyes, dueAt: now },
  meta: { now, actor },
});
const start = (attemptId: string): MessageCommand => ({
  type: "StartAttempt",
  data: { ...target, attemptId },
  meta: { now, actor: "system:outbound" },
});
const finish = (
  attemptId: string,
  outcome: "sent" | "retry" | "failed" | "gone",
  final = false,
): MessageCommand => ({
  type: "FinishAttempt",
  data: { ...target, attemptId, result: { outcome }, final },
  meta: { now, actor: "system:outbound" },
});

describe("the message decider", () => {
  it("goes draft → pending_approval → approved → sending → sent, each event with the actor and evidence", () => {
    const { state, events } = run([create, submit, approve(), start("a1"), finish("a1", "sent")]);
    expect(state.status).toBe("sent");
    expect(events.map((e) => e.type)).toEqual([
      "outbound.message.created",
      "outbound.message.submitted",
      "outbound.message.approved",
      "outbound.message.attempt-started",
      "outbound.message.attempt-finished",
      "outbound.message.sent",
    ]);
    expect(events[2]?.data).toMatchObject({ actor: approver, evidenceRefs: [{ kind: "memory", id: "m1" }] });
  });

  it("refuses approving a draft, submitting twice and sending what is not approved", () => {
    expect(() => run([create, approve()])).toThrow(IllegalTransitionError);
    expect(() => run([create, submit, submit])).toThrow(IllegalTransitionError);
    expect(() => run([create, submit, start("a1")])).toThrow(IllegalTransitionError);
  });

  it("cancels or rejects before sending only", () => {
    const cancel: MessageCommand = {
      type: "CancelMessage",
      data: { ...target, reason: "x" },
      meta: { now, actor: author },
    };
    const reject: MessageCommand = {
      type: "RejectMessage",
      data: { ...target, reason: "x" },
      meta: { now, actor: approver },
    };
    expect(run([create, submit, approve(), cancel]).state.status).toBe("cancelled");
    expect(run([create, submit, reject]).state.status).toBe("rejected");
    expect(() => run([create, submit, approve(), start("a1"), cancel])).toThrow(IllegalTransitionError);
  });

  it("refuses an opted-out contact at submit and the author's own approval under four eyes", () => {
    const optedOut: MessageCommand = {
      type: "SubmitMessage",
      data: { ...target, contactOptedOut: true },
      meta: { now, actor: author },
    };
    expect(() => run([create, optedOut])).toThrow(ContactOptedOutError);
    expect(() => run([create, submit, approve(author, true)])).toThrow(FourEyesError);
    expect(run([create, submit, approve(author, false)]).state.status).toBe("approved");
  });

  it("retries in sending, fails on the final retry, and marks an interrupted attempt unknown without a new one", () => {
    expect(
      run([create, submit, approve(), start("a1"), finish("a1", "retry"), start("a2"), finish("a2", "sent")])
        .state.status,
    ).toBe("sent");
    expect(run([create, submit, approve(), start("a1"), finish("a1", "retry", true)]).state.status).toBe(
      "failed",
    );
    expect(run([create, submit, approve(), start("a1"), finish("a1", "gone")]).state.status).toBe("failed");
    const unknown: MessageCommand = {
      type: "MarkAttemptUnknown",
      data: { ...target, attemptId: "a1" },
      meta: { now, actor: "system:outbound" },
    };
    const { state } = run([create, submit, approve(), start("a1"), unknown]);
    expect(state.status).toBe("sending");
    expect(state.status !== "absent" && state.attempts).toEqual([{ id: "a1", outcome: "unknown" }]);
    expect(() => run([create, submit, approve(), start("a1"), unknown, start("a2")])).toThrow(
      IllegalTransitionError,
    );
  });

  it("lets an owner settle an unknown attempt once: mark it sent, mark it failed, or send it again", () => {
    const unknown: MessageCommand = {
      type: "MarkAttemptUnknown",
      data: { ...target, attemptId: "a1" },
      meta: { now, actor: "system:outbound" },
    };
    const settle = (resolution: "sent" | "failed" | "resend"): MessageCommand => ({
      type: "SettleAttempt",
      data: { ...target, resolution, reason: "checked the provider's log", dueAt: now },
      meta: { now, actor: approver },
    });
    const interrupted = [create, submit, approve(), start("a1"), unknown];
    const sent = run([...interrupted, settle("sent")]);
    expect(sent.state.status).toBe("sent");
    expect(sent.events.slice(-2).map((e) => [e.type, e.data.actor])).toEqual([
      ["outbound.message.attempt-settled", approver],
      ["outbound.message.sent", approver],
    ]);
    expect(run([...interrupted, settle("failed")]).state.status).toBe("failed");
    const resent = run([...interrupted, settle("resend"), start("a2"), finish("a2", "sent")]);
    expect(resent.state.status).toBe("sent");
    expect(resent.state.status !== "absent" && resent.state.attempts.map((a) => a.outcome)).toEqual([
      "unknown",
      "sent",
    ]);
    // Nothing to settle: no unknown attempt, or settled already.
    expect(() => run([create, submit, approve(), settle("sent")])).toThrow(IllegalTransitionError);
    expect(() => run([create, submit, approve(), start("a1"), settle("resend")])).toThrow(
      IllegalTransitionError,
    );
    expect(() => run([...interrupted, settle("sent"), settle("resend")])).toThrow(IllegalTransitionError);
    expect(mayAct("resend", "member")).toBe(false);
    expect(mayAct("mark-sent", "admin")).toBe(true);
  });

  it("lets members submit and cancel, and only owners and admins approve and reject", () => {
    expect(mayAct("submit", "member")).toBe(true);
    expect(mayAct("submit", "viewer")).toBe(false);
    expect(mayAct("approve", "member")).toBe(false);
    expect(mayAct("reject", "admin")).toBe(true);
    expect(mayAct("approve", "owner")).toBe(true);
  });
});
