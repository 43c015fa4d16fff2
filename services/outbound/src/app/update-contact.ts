import type { contactsUpdate, MessageContext } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import type { ContactFields } from "../domain/contact.ts";
import { ContactNotFoundError } from "../domain/errors.ts";
import { contactFromRow, findContact } from "../infra/queries.ts";
import { emailIndexOf, type OutboundDeps, requireWriter, runContactCommand } from "./outbound-deps.ts";

/** `svc.outbound.contacts.update`: a field left out stays, `null` clears it. */
export function updateContact(deps: OutboundDeps) {
  return async (
    request: z.output<typeof contactsUpdate.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof contactsUpdate.response>> => {
    requireWriter(ctx);
    const projectId = scopedProject(request, ctx);
    const { contactId } = request;
    const changes: Partial<ContactFields> = {
      ...(request.email === undefined
        ? {}
        : {
            email: request.email,
            emailIndex: request.email === null ? null : emailIndexOf(deps.emailIndexKey, request.email),
          }),
      ...(request.name === undefined ? {} : { name: request.name }),
      ...(request.timezone === undefined ? {} : { timezone: request.timezone }),
      ...(request.externalRefs === undefined ? {} : { externalRefs: request.externalRefs ?? {} }),
    };
    await deps.db
      .transaction()
      .execute((trx) =>
        runContactCommand(
          trx,
          { type: "UpdateContact", data: { contactId, projectId, ...changes }, meta: { now: deps.clock() } },
          eventMetadata(ctx, { projectId }),
        ),
      );
    const row = await findContact(deps.db, projectId, contactId);
    if (!row) throw new ContactNotFoundError(contactId);
    return contactFromRow(row);
  };
}
