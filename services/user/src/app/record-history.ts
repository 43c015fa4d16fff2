import { type EventEnvelope, RequestIdSchema, SERVICES, type ServiceName } from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import type { Kysely } from "kysely";
import { z } from "zod";
import { USER_SCHEMA } from "../infra/event-store.ts";
import { recordHistory as insertHistory } from "../infra/history.ts";
import { isErased } from "../infra/profiles.ts";
import type { UserDb } from "../infra/tables.ts";

/**
 * Every service with an event stream: all but the gateway. Each gets one history consumer on
 * `evt.<service>.>` (one filter subject, which NATS 2.9 supports).
 */
export const HISTORY_SOURCES: readonly ServiceName[] = SERVICES.filter(
  (service) => service !== "api-gateway",
);

export function historyConsumerName(service: ServiceName): string {
  return `history-${service}`;
}

const UserId = z.uuid();

/** The users an event is about: its actor, and the `userId` / `accountId` in its data. */
export function attributedUsers(envelope: EventEnvelope): string[] {
  const data = typeof envelope.data === "object" && envelope.data !== null ? envelope.data : {};
  const candidates = [envelope.metadata.actor, Reflect.get(data, "userId"), Reflect.get(data, "accountId")];
  const users = candidates.flatMap((candidate) => {
    const parsed = UserId.safeParse(candidate);
    return parsed.success ? [parsed.data] : [];
  });
  return [...new Set(users)];
}

/**
 * One consumer per service's event stream feeds the audit trail: type, time, request id and
 * service, never the data. Erased users get nothing new; redelivery records nothing twice.
 */
export function recordHistory(deps: { db: Kysely<UserDb>; service: ServiceName }) {
  const consumer = historyConsumerName(deps.service);
  return async (envelope: EventEnvelope): Promise<void> => {
    const users = attributedUsers(envelope);
    if (users.length === 0) return;
    const requestId = RequestIdSchema.safeParse(envelope.metadata.requestId);
    await handleOnce(deps.db, { schema: USER_SCHEMA, consumer, eventId: envelope.eventId }, async (trx) => {
      const kept = [];
      for (const userId of users) if (!(await isErased(trx, userId))) kept.push(userId);
      await insertHistory(
        trx,
        kept.map((userId) => ({
          userId,
          eventId: envelope.eventId,
          service: deps.service,
          type: envelope.type.slice(0, 200),
          occurredAt: new Date(envelope.occurredAt).toISOString(),
          requestId: requestId.success ? requestId.data : null,
        })),
      );
    });
  };
}
