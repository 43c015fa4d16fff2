import { randomUUID } from "node:crypto";
import { isUniqueViolation } from "@tessera/eventstore";
import { systemContext } from "@tessera/service-kit";
import { dedupeScope } from "../infra/projection.ts";
import { findByDedupeKey } from "../infra/queries.ts";
import type { SendSystemEmail } from "./channels.ts";
import { OUTBOUND_ACTOR, type OutboundDeps, runMessageCommand } from "./outbound-deps.ts";
import { enqueueDelivery } from "./schedule-delivery.ts";

/** Platform emails share one dedupe scope (the projection's for a message without a project or target); the key names the purpose. */
const SYSTEM_SCOPE = dedupeScope(null, "system");

/**
 * The platform's own emails become system messages: created and approved by `system:outbound` at
 * once (no person approves a password reset), recorded like any other, delivered by the same worker.
 * A repeat of one `dedupeKey` finds its message and queues it again under the same run key, so it
 * is sent once.
 */
export function sendSystemEmail(deps: OutboundDeps): SendSystemEmail {
  return async (email) => {
    const scope = SYSTEM_SCOPE;
    const dedupeKey = `${email.purpose}:${email.dedupeKey}`;
    let messageId = (await findByDedupeKey(deps.db, scope, dedupeKey))?.id;
    if (messageId === undefined) {
      const id = randomUUID();
      const now = deps.clock();
      const meta = { now, actor: OUTBOUND_ACTOR };
      const metadata = {
        actor: OUTBOUND_ACTOR,
        requestId: systemContext("outbound").requestId,
        causationId: email.cause.id,
      };
      try {
        await deps.db.transaction().execute(async (trx) => {
          await runMessageCommand(
            trx,
            {
              type: "CreateMessage",
              data: {
                messageId: id,
                projectId: null,
                content: {
                  channel: "email",
                  contactId: null,
                  to: email.to,
                  subject: email.subject,
                  text: email.text,
                  html: email.html,
                },
                system: true,
                dedupeKey,
                sendAt: null,
                evidenceRefs: [{ kind: email.cause.kind, id: email.cause.id }],
              },
              meta,
            },
            metadata,
          );
          await runMessageCommand(
            trx,
            {
              type: "ApproveMessage",
              data: { messageId: id, projectId: null, fourEyes: false, dueAt: now },
              meta,
            },
            metadata,
          );
        });
        messageId = id;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        messageId = (await findByDedupeKey(deps.db, scope, dedupeKey))?.id;
        if (messageId === undefined) throw error;
      }
    }
    await enqueueDelivery(deps, messageId, deps.clock(), "system");
  };
}
