import type { contactPoliciesPut, MessageContext } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { ContactNotFoundError } from "../domain/errors.ts";
import { findContact, policyFromRow } from "../infra/queries.ts";
import { type OutboundDeps, requireAdmin, runContactCommand } from "./outbound-deps.ts";

/** `svc.outbound.contact-policies.put`: the whole policy; left-out caps and quiet hours are none. */
export function putPolicy(deps: OutboundDeps) {
  return async (
    request: z.output<typeof contactPoliciesPut.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof contactPoliciesPut.response>> => {
    const actor = requireAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const { contactId } = request;
    const policy = {
      optedOut: request.optedOut,
      stopOnReply: request.stopOnReply,
      maxPerDay: request.maxPerDay ?? null,
      maxPerWeek: request.maxPerWeek ?? null,
      quietHours: request.quietHours ?? null,
    };
    await deps.db.transaction().execute((trx) =>
      runContactCommand(
        trx,
        {
          type: "SetPolicy",
          data: { contactId, projectId, policy, cause: "api" },
          meta: { now: deps.clock(), actor },
        },
        eventMetadata(ctx, { projectId }),
      ),
    );
    const row = await findContact(deps.db, projectId, contactId);
    if (!row) throw new ContactNotFoundError(contactId);
    return policyFromRow(row);
  };
}
