import type { MessageContext, messagesAct } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { ApproverRoleError, MessageNotFoundError } from "../domain/errors.ts";
import { type MessageCommand, mayAct, RESOLUTION_OF } from "../domain/message.ts";
import { findContact, findMessage, fourEyesOf, messageWithAttempts } from "../infra/queries.ts";
import { isAdmin, type OutboundDeps, requireWriter, runMessageCommand } from "./outbound-deps.ts";
import { approvalKey, dueAt, enqueueDelivery } from "./schedule-delivery.ts";

type ActRequest = z.output<typeof messagesAct.request>;

/**
 * `svc.outbound.messages.act`: `submit` and `cancel` for members, `approve` and `reject` (with a
 * reason) for owners and admins. An approval computes when the message may go (sendAt, quiet hours,
 * caps) and queues its delivery for then. Owners and admins also settle a message whose latest
 * attempt is `unknown`: `mark-sent`, `mark-failed`, or `resend` (approved again and queued, knowing
 * the recipient may get it twice).
 */
export function actOnMessage(deps: OutboundDeps) {
  return async (request: ActRequest, ctx: MessageContext): Promise<z.input<typeof messagesAct.response>> => {
    const actor = requireWriter(ctx);
    const projectId = scopedProject(request, ctx);
    const { messageId, action } = request;
    if (!mayAct(action, isAdmin(ctx) ? "admin" : "member")) throw new ApproverRoleError(action);
    const row = await findMessage(deps.db, projectId, messageId);
    if (!row) throw new MessageNotFoundError(messageId);
    const contact = row.contact_id ? await findContact(deps.db, projectId, row.contact_id) : undefined;
    const now = deps.clock();
    const meta = { now, actor };
    const target = { messageId, projectId };
    let command: MessageCommand;
    let due: Date | undefined;
    switch (action) {
      case "submit":
        command = {
          type: "SubmitMessage",
          data: { ...target, contactOptedOut: contact?.opted_out ?? false },
          meta,
        };
        break;
      case "approve":
        due = await dueAt(deps.db, now, row.send_at, contact);
        command = {
          type: "ApproveMessage",
          data: { ...target, fourEyes: await fourEyesOf(deps.db, projectId), dueAt: due },
          meta,
        };
        break;
      case "reject":
        command = { type: "RejectMessage", data: { ...target, reason: request.reason ?? "rejected" }, meta };
        break;
      case "cancel":
        command = { type: "CancelMessage", data: { ...target, reason: request.reason ?? "cancelled" }, meta };
        break;
      case "mark-sent":
      case "mark-failed":
      case "resend": {
        const resolution = RESOLUTION_OF[action];
        if (resolution === "resend") due = await dueAt(deps.db, now, row.send_at, contact);
        command = {
          type: "SettleAttempt",
          data: {
            ...target,
            resolution,
            reason: request.reason ?? `${action} by ${actor}`,
            dueAt: due ?? now,
          },
          meta,
        };
        break;
      }
    }
    // The answer is the message as this action left it, read in its transaction: once queued, a
    // delivery may move it on before a later read.
    const { result, answer } = await deps.db.transaction().execute(async (trx) => {
      const result = await runMessageCommand(trx, command, eventMetadata(ctx, { projectId }));
      const updated = await findMessage(trx, projectId, messageId);
      if (!updated) throw new MessageNotFoundError(messageId);
      return { result, answer: await messageWithAttempts(trx, updated) };
    });
    if (due !== undefined && result.events.length > 0) {
      await enqueueDelivery(deps, messageId, due, approvalKey(due), ctx);
    }
    return answer;
  };
}
