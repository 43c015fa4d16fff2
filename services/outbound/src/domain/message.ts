import type { EvidenceRef, MessageStatus } from "@tessera/contracts";
import {
  ContactOptedOutError,
  FourEyesError,
  IllegalTransitionError,
  MessageNotFoundError,
} from "./errors.ts";

/** What a message carries out: an email to a contact (or a platform email to an address), or a webhook. */
export type MessageContent =
  | {
      channel: "email";
      contactId: string | null;
      /** A platform email's address (no contact); null for a contact's email. */
      to: string | null;
      subject: string;
      text: string;
      html: string | null;
    }
  | { channel: "webhook"; endpointId: string; eventType: string; payload: Record<string, unknown> };

export type AttemptOutcome = "started" | "sent" | "failed" | "retry" | "unknown";

interface Transition {
  messageId: string;
  projectId: string | null;
  status: MessageStatus;
  actor: string;
  evidenceRefs: EvidenceRef[];
  at: string;
}

export type MessageEvent =
  | {
      type: "outbound.message.created";
      data: Transition & {
        /** Sealed under the contact's key (or the platform email's own). */
        content: MessageContent;
        channel: "email" | "webhook";
        system: boolean;
        contactId: string | null;
        endpointId: string | null;
        dedupeKey: string | null;
        sendAt: string | null;
      };
    }
  | { type: "outbound.message.submitted"; data: Transition }
  | { type: "outbound.message.approved"; data: Transition & { dueAt: string } }
  | { type: "outbound.message.rejected"; data: Transition & { reason: string } }
  | { type: "outbound.message.cancelled"; data: Transition & { reason: string } }
  | { type: "outbound.message.attempt-started"; data: Transition & { attemptId: string } }
  | {
      type: "outbound.message.attempt-finished";
      data: Transition & {
        attemptId: string;
        outcome: "sent" | "failed" | "retry" | "unknown";
        code: number | null;
        providerMessageId: string | null;
        error: string | null;
      };
    }
  | {
      type: "outbound.message.sent";
      data: Transition & { attemptId: string; providerMessageId: string | null };
    }
  | { type: "outbound.message.failed"; data: Transition & { reason: string } }
  /**
   * A person settled an `unknown` attempt: it arrived (`sent`, followed by `outbound.message.sent`),
   * it did not and is given up (`failed`, followed by `outbound.message.failed`), or it did not and
   * goes again (`resend`: the message is `approved` once more, due at `dueAt`).
   */
  | {
      type: "outbound.message.attempt-settled";
      data: Transition & { attemptId: string; resolution: Resolution; reason: string; dueAt: string | null };
    };

/** How a person settles an attempt that may or may not have been delivered. */
export type Resolution = "sent" | "failed" | "resend";

export interface MessageView {
  readonly status: Exclude<MessageStatus, never>;
  readonly messageId: string;
  readonly projectId: string | null;
  readonly system: boolean;
  readonly createdBy: string;
  readonly evidenceRefs: EvidenceRef[];
  /** The attempts so far, oldest first, with where each ended. */
  readonly attempts: readonly { id: string; outcome: AttemptOutcome }[];
}

export type MessageState = { readonly status: "absent" } | MessageView;

type Meta = { now: Date; actor: string };
type Target = { messageId: string; projectId: string | null };

/** What a delivery attempt came to, as the pipeline records it. */
export interface AttemptResult {
  readonly outcome: "sent" | "failed" | "retry" | "gone";
  readonly code?: number;
  readonly providerMessageId?: string;
  readonly error?: string;
}

export type MessageCommand =
  | {
      type: "CreateMessage";
      data: Target & {
        content: MessageContent;
        system: boolean;
        dedupeKey: string | null;
        sendAt: string | null;
        evidenceRefs: EvidenceRef[];
      };
      meta: Meta;
    }
  | { type: "SubmitMessage"; data: Target & { contactOptedOut: boolean }; meta: Meta }
  | {
      type: "ApproveMessage";
      data: Target & { fourEyes: boolean; dueAt: Date };
      meta: Meta;
    }
  | { type: "RejectMessage"; data: Target & { reason: string }; meta: Meta }
  | { type: "CancelMessage"; data: Target & { reason: string; evidence?: EvidenceRef }; meta: Meta }
  | { type: "StartAttempt"; data: Target & { attemptId: string }; meta: Meta }
  | {
      type: "FinishAttempt";
      data: Target & { attemptId: string; result: AttemptResult; final: boolean };
      meta: Meta;
    }
  | { type: "MarkAttemptUnknown"; data: Target & { attemptId: string }; meta: Meta }
  /** Its target cannot take it any more (a removed endpoint): failed without an attempt. */
  | { type: "FailMessage"; data: Target & { reason: string }; meta: Meta }
  | {
      type: "SettleAttempt";
      data: Target & { resolution: Resolution; reason: string; dueAt: Date };
      meta: Meta;
    };

export type MessageAction =
  | "submit"
  | "approve"
  | "reject"
  | "cancel"
  | "mark-sent"
  | "mark-failed"
  | "resend";

/** The actions only owners and admins take: approving, rejecting and settling an unknown attempt. */
const APPROVER_ACTIONS: readonly MessageAction[] = [
  "approve",
  "reject",
  "mark-sent",
  "mark-failed",
  "resend",
];

/** What each settling action records. */
export const RESOLUTION_OF: Readonly<Record<"mark-sent" | "mark-failed" | "resend", Resolution>> = {
  "mark-sent": "sent",
  "mark-failed": "failed",
  resend: "resend",
};

/**
 * Who may do what to a message: members (not viewers) submit and cancel; owners and admins approve,
 * reject and settle unknown attempts. `system`: the platform itself.
 */
export function mayAct(
  action: MessageAction,
  role: "owner" | "admin" | "member" | "viewer" | "system",
): boolean {
  if (role === "system") return true;
  if (APPROVER_ACTIONS.includes(action)) return role === "owner" || role === "admin";
  return role !== "viewer";
}

/** The states from which a message may still be cancelled or rejected: nothing has gone out. */
const BEFORE_SENDING: readonly MessageStatus[] = ["draft", "pending_approval", "approved"];

export function messageStreamId(messageId: string): string {
  return `outbound-message:${messageId}`;
}

function existing(state: MessageState, target: Target): MessageView {
  if (state.status === "absent" || state.projectId !== target.projectId) {
    throw new MessageNotFoundError(target.messageId);
  }
  return state;
}

function transition(view: MessageView, status: MessageStatus, meta: Meta, extraEvidence?: EvidenceRef) {
  return {
    messageId: view.messageId,
    projectId: view.projectId,
    status,
    actor: meta.actor,
    evidenceRefs: extraEvidence ? [...view.evidenceRefs, extraEvidence] : view.evidenceRefs,
    at: meta.now.toISOString(),
  };
}

/** The latest attempt, when there is one. */
export function latestAttempt(view: MessageView): { id: string; outcome: AttemptOutcome } | undefined {
  return view.attempts.at(-1);
}

export function decideMessage(command: MessageCommand, state: MessageState): MessageEvent[] {
  const { meta } = command;
  switch (command.type) {
    case "CreateMessage": {
      // Ids are minted by the service: a taken id is a replay of the same request.
      if (state.status !== "absent") return [];
      const { content, system, dedupeKey, sendAt, evidenceRefs, messageId, projectId } = command.data;
      const created: MessageEvent = {
        type: "outbound.message.created",
        data: {
          messageId,
          projectId,
          status: "draft",
          actor: meta.actor,
          evidenceRefs,
          at: meta.now.toISOString(),
          content,
          channel: content.channel,
          system,
          contactId: content.channel === "email" ? content.contactId : null,
          endpointId: content.channel === "webhook" ? content.endpointId : null,
          dedupeKey,
          sendAt,
        },
      };
      return [created];
    }
    case "SubmitMessage": {
      const view = existing(state, command.data);
      if (view.status !== "draft") throw new IllegalTransitionError("submitted", view.status);
      if (command.data.contactOptedOut) throw new ContactOptedOutError();
      return [{ type: "outbound.message.submitted", data: transition(view, "pending_approval", meta) }];
    }
    case "ApproveMessage": {
      const view = existing(state, command.data);
      // A platform email is approved by the platform as it is created.
      const approvable = view.system ? view.status === "draft" : view.status === "pending_approval";
      if (!approvable) throw new IllegalTransitionError("approved", view.status);
      if (command.data.fourEyes && !view.system && meta.actor === view.createdBy) throw new FourEyesError();
      return [
        {
          type: "outbound.message.approved",
          data: { ...transition(view, "approved", meta), dueAt: command.data.dueAt.toISOString() },
        },
      ];
    }
    case "RejectMessage": {
      const view = existing(state, command.data);
      if (!BEFORE_SENDING.includes(view.status)) throw new IllegalTransitionError("rejected", view.status);
      return [
        {
          type: "outbound.message.rejected",
          data: { ...transition(view, "rejected", meta), reason: command.data.reason },
        },
      ];
    }
    case "CancelMessage": {
      const view = existing(state, command.data);
      if (!BEFORE_SENDING.includes(view.status)) throw new IllegalTransitionError("cancelled", view.status);
      return [
        {
          type: "outbound.message.cancelled",
          data: {
            ...transition(view, "cancelled", meta, command.data.evidence),
            reason: command.data.reason,
          },
        },
      ];
    }
    case "StartAttempt": {
      const view = existing(state, command.data);
      const latest = latestAttempt(view);
      const startable =
        view.status === "approved" ||
        (view.status === "sending" && latest !== undefined && latest.outcome === "retry");
      if (!startable) throw new IllegalTransitionError("sent", view.status);
      return [
        {
          type: "outbound.message.attempt-started",
          data: { ...transition(view, "sending", meta), attemptId: command.data.attemptId },
        },
      ];
    }
    case "FinishAttempt":
      return decideFinish(existing(state, command.data), command);
    case "MarkAttemptUnknown": {
      const view = existing(state, command.data);
      const latest = latestAttempt(view);
      if (
        view.status !== "sending" ||
        latest?.id !== command.data.attemptId ||
        latest.outcome !== "started"
      ) {
        return [];
      }
      return [
        {
          type: "outbound.message.attempt-finished",
          data: {
            ...transition(view, "sending", meta),
            attemptId: latest.id,
            outcome: "unknown",
            code: null,
            providerMessageId: null,
            error: "the attempt was interrupted after it started; it may have been delivered",
          },
        },
      ];
    }
    case "FailMessage": {
      const view = existing(state, command.data);
      const latest = latestAttempt(view);
      const idle = view.status === "approved" || (view.status === "sending" && latest?.outcome === "retry");
      if (!idle) throw new IllegalTransitionError("failed", view.status);
      return [
        {
          type: "outbound.message.failed",
          data: { ...transition(view, "failed", meta), reason: command.data.reason },
        },
      ];
    }
    case "SettleAttempt":
      return decideSettle(existing(state, command.data), command);
    default: {
      const unknown: never = command;
      throw new TypeError(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/** Only a message whose latest attempt is `unknown` can be settled, and only once. */
function decideSettle(view: MessageView, command: Extract<MessageCommand, { type: "SettleAttempt" }>) {
  const { resolution, reason, dueAt } = command.data;
  const latest = latestAttempt(view);
  const verb = { sent: "marked sent", failed: "marked failed", resend: "sent again" }[resolution];
  if (view.status !== "sending" || latest?.outcome !== "unknown") {
    throw new IllegalTransitionError(
      verb,
      view.status === "sending" ? "sending without an unknown attempt" : view.status,
    );
  }
  const { meta } = command;
  const ends = resolution === "sent" ? "sent" : resolution === "failed" ? "failed" : "approved";
  const events: MessageEvent[] = [
    {
      type: "outbound.message.attempt-settled",
      data: {
        ...transition(view, ends, meta),
        attemptId: latest.id,
        resolution,
        reason,
        dueAt: resolution === "resend" ? dueAt.toISOString() : null,
      },
    },
  ];
  if (resolution === "sent") {
    events.push({
      type: "outbound.message.sent",
      data: { ...transition(view, "sent", meta), attemptId: latest.id, providerMessageId: null },
    });
  } else if (resolution === "failed") {
    events.push({ type: "outbound.message.failed", data: { ...transition(view, "failed", meta), reason } });
  }
  return events;
}

function decideFinish(view: MessageView, command: Extract<MessageCommand, { type: "FinishAttempt" }>) {
  const { attemptId, result, final } = command.data;
  const latest = latestAttempt(view);
  // Only the attempt in flight can finish, once.
  if (view.status !== "sending" || latest?.id !== attemptId || latest.outcome !== "started") return [];
  const { meta } = command;
  const outcome = result.outcome === "gone" ? "failed" : result.outcome;
  const ends = outcome === "sent" ? "sent" : outcome === "failed" || final ? "failed" : "sending";
  const events: MessageEvent[] = [
    {
      type: "outbound.message.attempt-finished",
      data: {
        ...transition(view, ends, meta),
        attemptId,
        outcome,
        code: result.code ?? null,
        providerMessageId: result.providerMessageId ?? null,
        error: result.error ?? null,
      },
    },
  ];
  if (ends === "sent") {
    events.push({
      type: "outbound.message.sent",
      data: {
        ...transition(view, "sent", meta),
        attemptId,
        providerMessageId: result.providerMessageId ?? null,
      },
    });
  } else if (ends === "failed") {
    const reason =
      result.outcome === "gone"
        ? "the endpoint is gone (410); it is disabled"
        : outcome === "retry"
          ? `no attempt succeeded: ${result.error ?? "retries exhausted"}`
          : (result.error ?? "the delivery was refused");
    events.push({ type: "outbound.message.failed", data: { ...transition(view, "failed", meta), reason } });
  }
  return events;
}

export function evolveMessage(state: MessageState, event: MessageEvent): MessageState {
  if (event.type === "outbound.message.created") {
    const d = event.data;
    return {
      status: "draft",
      messageId: d.messageId,
      projectId: d.projectId,
      system: d.system,
      createdBy: d.actor,
      evidenceRefs: d.evidenceRefs,
      attempts: [],
    };
  }
  if (state.status === "absent") return state;
  const status = event.data.status;
  switch (event.type) {
    case "outbound.message.attempt-started":
      return {
        ...state,
        status,
        attempts: [...state.attempts, { id: event.data.attemptId, outcome: "started" }],
      };
    case "outbound.message.attempt-finished":
      return {
        ...state,
        status,
        attempts: state.attempts.map((attempt) =>
          attempt.id === event.data.attemptId ? { ...attempt, outcome: event.data.outcome } : attempt,
        ),
      };
    default:
      return { ...state, status, evidenceRefs: event.data.evidenceRefs };
  }
}

export const messageDecider: {
  decide: typeof decideMessage;
  evolve: typeof evolveMessage;
  initialState: () => MessageState;
} = {
  decide: decideMessage,
  evolve: evolveMessage,
  initialState: () => ({ status: "absent" }),
};
