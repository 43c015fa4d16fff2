import type { contactsDelete, MessageContext } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { contactSubject, outboundStores } from "../infra/event-store.ts";
import { type OutboundDeps, requireAdmin, runContactCommand } from "./outbound-deps.ts";

/**
 * `svc.outbound.contacts.delete`: the contact's key is destroyed in the same transaction as its
 * deletion (crypto-shredding: its email, name and what was written to it read as erased from then
 * on), and its rows go. Messages to it that had not gone out are cancelled by the worker.
 */
export function deleteContact(deps: OutboundDeps) {
  return async (request: z.output<typeof contactsDelete.request>, ctx: MessageContext): Promise<null> => {
    requireAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const { contactId } = request;
    await deps.db.transaction().execute(async (trx) => {
      await runContactCommand(
        trx,
        { type: "DeleteContact", data: { contactId, projectId }, meta: { now: deps.clock() } },
        eventMetadata(ctx, { projectId }),
      );
      await outboundStores.vault(trx).destroyKey(contactSubject(contactId));
    });
    return null;
  };
}
