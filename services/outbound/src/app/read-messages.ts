import type { MessageContext, messagesGet, messagesList } from "@tessera/contracts";
import { scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { MessageNotFoundError } from "../domain/errors.ts";
import { findMessage, listMessages, messageWithAttempts } from "../infra/queries.ts";
import type { OutboundDeps } from "./outbound-deps.ts";

export function getMessage(deps: Pick<OutboundDeps, "db">) {
  return async (
    request: z.output<typeof messagesGet.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof messagesGet.response>> => {
    const row = await findMessage(deps.db, scopedProject(request, ctx), request.messageId);
    if (!row) throw new MessageNotFoundError(request.messageId);
    return messageWithAttempts(deps.db, row);
  };
}

export function listProjectMessages(deps: Pick<OutboundDeps, "db">) {
  return async (
    request: z.output<typeof messagesList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof messagesList.response>> =>
    listMessages(deps.db, scopedProject(request, ctx), request);
}
