import { accountRegistered, type EventEnvelope, type MessageContext } from "@tessera/contracts";
import { handleCommand, handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { USER_SCHEMA, userStores } from "../infra/event-store.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";

export const ON_ACCOUNT_REGISTERED = "on-account-registered";

/**
 * `evt.auth.account.registered` → a profile (with the display name given at sign-up, if any), and
 * platform admin when the email is `BOOTSTRAP_ADMIN_EMAIL` (case ignored). The event id is recorded
 * in the same transaction as the appends, so a redelivered event creates nothing twice.
 */
export function onAccountRegistered(deps: {
  db: Kysely<UserDb>;
  clock: () => Date;
  bootstrapAdminEmail?: string | undefined;
}) {
  const bootstrap = deps.bootstrapAdminEmail?.trim().toLowerCase();
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const event = accountRegistered.data.parse(envelope.data);
    await handleOnce(
      deps.db,
      { schema: USER_SCHEMA, consumer: ON_ACCOUNT_REGISTERED, eventId: envelope.eventId },
      async (trx) => {
        const store = userStores.on(trx);
        const streamId = profileStreamId(event.accountId);
        const metadata = eventMetadata(ctx, { actor: event.accountId, causationId: envelope.eventId });
        const options = { inline: [projectUserEvents], metadata };
        const now = deps.clock();
        const created = await handleCommand(
          store,
          profileDecider,
          streamId,
          {
            type: "CreateProfile",
            data: {
              userId: event.accountId,
              email: event.email,
              ...(event.displayName === undefined ? {} : { displayName: event.displayName }),
            },
            meta: { now },
          },
          options,
        );
        if (bootstrap === undefined || created.state.status !== "active") return;
        if (event.email.trim().toLowerCase() !== bootstrap) return;
        await handleCommand(
          store,
          profileDecider,
          streamId,
          { type: "GrantRole", data: { userId: event.accountId, role: "admin" }, meta: { now } },
          { ...options, metadata: { ...metadata, actor: systemActor("bootstrap") } },
        );
      },
    );
  };
}
