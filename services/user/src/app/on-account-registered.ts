import { accountRegistered, type EventEnvelope } from "@tessera/contracts";
import { createEventStore, handleCommand, handleOnce } from "@tessera/eventstore";
import type { Kysely, Transaction } from "kysely";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { projectProfileEvents } from "../infra/profiles.ts";
import type { UserDb } from "../infra/tables.ts";

export const USER_SCHEMA = "users";
export const ON_ACCOUNT_REGISTERED = "on-account-registered";

/**
 * `evt.auth.account.registered` → a profile. The event id is recorded in the same transaction as
 * the append, so a redelivered event creates nothing twice.
 */
export function onAccountRegistered(deps: { db: Kysely<UserDb>; clock: () => Date }) {
  return async (envelope: EventEnvelope): Promise<void> => {
    const event = accountRegistered.data.parse(envelope.data);
    await handleOnce(
      deps.db,
      { schema: USER_SCHEMA, consumer: ON_ACCOUNT_REGISTERED, eventId: envelope.eventId },
      async (trx: Transaction<UserDb>) => {
        const store = createEventStore(trx, { schema: USER_SCHEMA });
        await handleCommand(
          store,
          profileDecider,
          profileStreamId(event.accountId),
          {
            type: "CreateProfile",
            data: { userId: event.accountId, email: event.email },
            meta: { now: deps.clock() },
          },
          {
            inline: [projectProfileEvents],
            retries: 0,
            metadata: { ...envelope.metadata, causationId: envelope.eventId, actor: event.accountId },
          },
        );
      },
    );
  };
}
