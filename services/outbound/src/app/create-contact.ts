import { randomBytes, randomUUID } from "node:crypto";
import type { contactsCreate, MessageContext } from "@tessera/contracts";
import { eventMetadata, scopedProject, sealSecret } from "@tessera/service-kit";
import type { z } from "zod";
import { ContactNotFoundError } from "../domain/errors.ts";
import { contactFromRow, findContact } from "../infra/queries.ts";
import {
  emailIndexOf,
  type OutboundDeps,
  requireWriter,
  runContactCommand,
  tokenHash,
} from "./outbound-deps.ts";

/** Random bytes of an unsubscribe token. */
const TOKEN_BYTES = 32;

export function unsubscribeAad(contactId: string): string {
  return `outbound:contact:${contactId}:unsubscribe`;
}

/** `svc.outbound.contacts.create`: the contact, its blind email index and its unsubscribe token. */
export function createContact(deps: OutboundDeps) {
  return async (
    request: z.output<typeof contactsCreate.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof contactsCreate.response>> => {
    requireWriter(ctx);
    const projectId = scopedProject(request, ctx);
    const contactId = randomUUID();
    const token = randomBytes(TOKEN_BYTES).toString("base64url");
    await deps.db.transaction().execute((trx) =>
      runContactCommand(
        trx,
        {
          type: "CreateContact",
          data: {
            contactId,
            projectId,
            email: request.email ?? null,
            name: request.name ?? null,
            timezone: request.timezone ?? null,
            externalRefs: request.externalRefs ?? {},
            emailIndex: request.email ? emailIndexOf(deps.emailIndexKey, request.email) : null,
            unsubscribeTokenHash: tokenHash(token),
            unsubscribeToken: sealSecret(deps.keys.current, token, unsubscribeAad(contactId)),
          },
          meta: { now: deps.clock() },
        },
        eventMetadata(ctx, { projectId }),
      ),
    );
    const row = await findContact(deps.db, projectId, contactId);
    if (!row) throw new ContactNotFoundError(contactId);
    return contactFromRow(row);
  };
}
