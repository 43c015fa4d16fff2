import { randomUUID } from "node:crypto";
import type { MessageContext, messagesCreate } from "@tessera/contracts";
import { isUniqueViolation } from "@tessera/eventstore";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import {
  ContactNotFoundError,
  EndpointNotFoundError,
  MessageNotFoundError,
  TargetUnusableError,
} from "../domain/errors.ts";
import type { MessageContent } from "../domain/message.ts";
import { dedupeScope } from "../infra/projection.ts";
import {
  findByDedupeKey,
  findContact,
  findEndpoint,
  findMessage,
  messageWithAttempts,
} from "../infra/queries.ts";
import { type OutboundDeps, requireWriter, runMessageCommand } from "./outbound-deps.ts";

type CreateRequest = z.output<typeof messagesCreate.request>;

async function contentOf(
  deps: OutboundDeps,
  projectId: string,
  request: CreateRequest,
): Promise<MessageContent> {
  if (request.channel === "email") {
    const contact = await findContact(deps.db, projectId, request.contactId);
    if (!contact) throw new ContactNotFoundError(request.contactId);
    if (contact.email === null) throw new TargetUnusableError("The contact has no email address.");
    return {
      channel: "email",
      contactId: contact.id,
      to: null,
      subject: request.subject,
      text: request.text,
      html: request.html ?? null,
    };
  }
  const endpoint = await findEndpoint(deps.db, projectId, request.endpointId);
  if (!endpoint) throw new EndpointNotFoundError(request.endpointId);
  return {
    channel: "webhook",
    endpointId: endpoint.id,
    eventType: request.eventType,
    payload: request.payload,
  };
}

/**
 * `svc.outbound.messages.create`: a draft. A `dedupeKey` already used for the same contact (or
 * endpoint) answers the message it made, whatever this body says: one logical message, one message.
 */
export function createMessage(deps: OutboundDeps) {
  return async (
    request: CreateRequest,
    ctx: MessageContext,
  ): Promise<z.input<typeof messagesCreate.response>> => {
    const actor = requireWriter(ctx);
    const projectId = scopedProject(request, ctx);
    const target = request.channel === "email" ? request.contactId : request.endpointId;
    const scope = dedupeScope(projectId, target);
    const dedupeKey = request.dedupeKey ?? null;
    const earlier = async () => {
      const row = dedupeKey === null ? undefined : await findByDedupeKey(deps.db, scope, dedupeKey);
      return row ? messageWithAttempts(deps.db, row) : undefined;
    };
    const first = await earlier();
    if (first) return first;
    const content = await contentOf(deps, projectId, request);
    const messageId = randomUUID();
    try {
      await deps.db.transaction().execute((trx) =>
        runMessageCommand(
          trx,
          {
            type: "CreateMessage",
            data: {
              messageId,
              projectId,
              content,
              system: false,
              dedupeKey,
              sendAt: request.sendAt ? new Date(request.sendAt).toISOString() : null,
              evidenceRefs: request.evidenceRefs ?? [],
            },
            meta: { now: deps.clock(), actor },
          },
          eventMetadata(ctx, { projectId }),
        ),
      );
    } catch (error) {
      // Two creates with one key at once: the one that lost answers the one that won.
      const winner = isUniqueViolation(error) ? await earlier() : undefined;
      if (winner) return winner;
      throw error;
    }
    const row = await findMessage(deps.db, projectId, messageId);
    if (!row) throw new MessageNotFoundError(messageId);
    return messageWithAttempts(deps.db, row);
  };
}
