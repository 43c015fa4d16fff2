import type { contactsGet, contactsList, MessageContext } from "@tessera/contracts";
import { scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { ContactNotFoundError } from "../domain/errors.ts";
import { contactFromRow, findContact, listContacts } from "../infra/queries.ts";
import type { OutboundDeps } from "./outbound-deps.ts";

export function getContact(deps: Pick<OutboundDeps, "db">) {
  return async (
    request: z.output<typeof contactsGet.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof contactsGet.response>> => {
    const projectId = scopedProject(request, ctx);
    const row = await findContact(deps.db, projectId, request.contactId);
    if (!row) throw new ContactNotFoundError(request.contactId);
    return contactFromRow(row);
  };
}

export function listProjectContacts(deps: Pick<OutboundDeps, "db">) {
  return async (
    request: z.output<typeof contactsList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof contactsList.response>> =>
    listContacts(deps.db, scopedProject(request, ctx), request);
}
