import { TesseraError } from "@tessera/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deliveryStep } from "../src/domain/delivery-step.ts";
import {
  type MessageAction,
  type MessageCommand,
  type MessageState,
  mayAct,
  messageDecider,
  type Resolution,
} from "../src/domain/message.ts";

/**
 * A model of one message's life under any mix of people and the delivery worker, on the real
 * decider, the real role rule and the worker's real step choice. The channel "delivers" whenever an
 * attempt starts and the run is not cut off before the channel is called.
 */

const ROLES = ["owner", "admin", "member", "viewer"] as const;
const PEOPLE = ["p1", "p2", "p3"] as const;
const target = { messageId: "m", projectId: "p" };

type Step =
  | { kind: "act"; action: MessageAction; role: (typeof ROLES)[number]; person: (typeof PEOPLE)[number] }
  | { kind: "opt"; optedOut: boolean }
  | { kind: "fourEyes"; on: boolean }
  /** One delivery run: the channel's outcome, or a crash right after the channel or before it. */
  | {
      kind: "deliver";
      outcome: "sent" | "retry" | "failed" | "gone" | "crash-after" | "crash-before";
      final: boolean;
    };

// Weighted so that runs reach approval and delivery often, with refusals and opt-outs in between.
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("act" as const),
      action: fc.constantFrom<MessageAction>(
        "submit",
        "submit",
        "approve",
        "approve",
        "approve",
        "reject",
        "cancel",
        "mark-sent",
        "mark-failed",
        "resend",
      ),
      role: fc.constantFrom(...ROLES),
      person: fc.constantFrom(...PEOPLE),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("opt" as const), optedOut: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fourEyes" as const), on: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("deliver" as const),
      outcome: fc.constantFrom("sent", "retry", "failed", "gone", "crash-after", "crash-before"),
      final: fc.boolean(),
    }),
  },
);

interface World {
  state: MessageState;
  optedOut: boolean;
  fourEyes: boolean;
  /** Times the channel carried the message out. */
  deliveries: number;
  /** Whether an approval happened (by someone allowed to approve). */
  approved: boolean;
  deliveredWhileOptedOut: boolean;
  /** Deliveries the far side may have taken: a `sent`, or a crash after the channel was called. */
  accepted: number;
  /** Times a person chose to send again after an attempt ended `unknown`. */
  resends: number;
}

function apply(world: World, command: MessageCommand): boolean {
  try {
    for (const event of messageDecider.decide(command, world.state)) {
      world.state = messageDecider.evolve(world.state, event);
      if (event.type === "outbound.message.approved") world.approved = true;
      if (event.type === "outbound.message.attempt-settled" && event.data.resolution === "resend") {
        world.resends += 1;
      }
    }
    return true;
  } catch (error) {
    if (error instanceof TesseraError) return false; // refused, as the API would answer 4xx
    throw error;
  }
}

let attempts = 0;

function run(world: World, s: Step): void {
  const now = new Date("2026-06-01T10:00:00Z");
  switch (s.kind) {
    case "opt":
      world.optedOut = s.optedOut;
      return;
    case "fourEyes":
      world.fourEyes = s.on;
      return;
    case "act": {
      if (!mayAct(s.action, s.role)) return; // 403 before the decider is asked
      const meta = { now, actor: s.person };
      const settle = (resolution: Resolution): MessageCommand => ({
        type: "SettleAttempt",
        data: { ...target, resolution, reason: "checked", dueAt: now },
        meta,
      });
      const commands: Record<MessageAction, MessageCommand> = {
        submit: { type: "SubmitMessage", data: { ...target, contactOptedOut: world.optedOut }, meta },
        approve: { type: "ApproveMessage", data: { ...target, fourEyes: world.fourEyes, dueAt: now }, meta },
        reject: { type: "RejectMessage", data: { ...target, reason: "no" }, meta },
        cancel: { type: "CancelMessage", data: { ...target, reason: "no" }, meta },
        "mark-sent": settle("sent"),
        "mark-failed": settle("failed"),
        resend: settle("resend"),
      };
      apply(world, commands[s.action]);
      return;
    }
    case "deliver": {
      if (world.state.status === "absent") return;
      const meta = { now, actor: "system:outbound" };
      const next = deliveryStep(world.state, world.optedOut ? { reason: "opted out", cancel: true } : null);
      if (next.kind === "nothing") return;
      if (next.kind === "mark-unknown") {
        apply(world, { type: "MarkAttemptUnknown", data: { ...target, attemptId: next.attemptId }, meta });
        return;
      }
      if (next.kind === "cancel") {
        apply(world, { type: "CancelMessage", data: { ...target, reason: next.reason }, meta });
        return;
      }
      if (next.kind === "fail") {
        apply(world, { type: "FailMessage", data: { ...target, reason: next.reason }, meta });
        return;
      }
      const attemptId = `a${++attempts}`;
      if (!apply(world, { type: "StartAttempt", data: { ...target, attemptId }, meta })) return;
      if (s.outcome === "crash-before") return;
      // The channel is called only after the attempt is recorded as started.
      world.deliveries += 1;
      if (world.optedOut) world.deliveredWhileOptedOut = true;
      if (s.outcome === "sent" || s.outcome === "crash-after") world.accepted += 1;
      if (s.outcome === "crash-after") return;
      const outcome = s.outcome;
      apply(world, {
        type: "FinishAttempt",
        data: { ...target, attemptId, result: { outcome }, final: s.final },
        meta,
      });
      return;
    }
  }
}

describe("the message model", () => {
  it("never sends a message that was not approved, never sends one twice unless a person chose to resend, never to an opted-out contact", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { minLength: 10, maxLength: 40 }), (fourEyes, steps) => {
        const world: World = {
          state: messageDecider.initialState(),
          optedOut: false,
          fourEyes,
          deliveries: 0,
          approved: false,
          deliveredWhileOptedOut: false,
          accepted: 0,
          resends: 0,
        };
        apply(world, {
          type: "CreateMessage",
          data: {
            ...target,
            content: { channel: "email", contactId: "c", to: null, subject: "s", text: "t", html: null },
            system: false,
            dedupeKey: null,
            sendAt: null,
            evidenceRefs: [],
          },
          meta: { now: new Date(), actor: "p1" },
        });
        for (const s of steps) run(world, s);
        if (world.deliveries > 0) expect(world.approved).toBe(true);
        // A retry carries the message again only after the far side said it did not take it, or
        // after a person who checked chose to send again.
        expect(world.accepted).toBeLessThanOrEqual(1 + world.resends);
        expect(world.deliveredWhileOptedOut).toBe(false);
      }),
      { numRuns: 3_000 },
    );
  });
});
