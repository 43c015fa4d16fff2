import { accountEmailChanged, type EventEnvelope, type MessageContext } from "@tessera/contracts";
import { handleCommand, handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { USER_SCHEMA, userStores } from "../infra/event-store.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import { type EnsureProfileDeps, ensureProfile } from "./ensure-profile.ts";

export const ON_ACCOUNT_EMAIL_CHANGED = "on-account-email-changed";

/**
 * `evt.auth.account.email_changed` (a linked identity provider verified a new address) → the
 * profile's email, verified, so invitations to the new address reach the person. It may overtake
 * the registration event: the profile is then made from `auth`'s account first.
 */
export function onAccountEmailChanged(deps: EnsureProfileDeps) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const { accountId, email } = accountEmailChanged.data.parse(envelope.data);
    const profile = await ensureProfile(deps, accountId, { ...ctx, actor: systemActor("user") });
    if (!profile) return;
    const metadata = eventMetadata(ctx, { actor: accountId, causationId: envelope.eventId });
    await handleOnce(
      deps.db,
      { schema: USER_SCHEMA, consumer: ON_ACCOUNT_EMAIL_CHANGED, eventId: envelope.eventId },
      (trx) =>
        handleCommand(
          userStores.on(trx),
          profileDecider,
          profileStreamId(accountId),
          { type: "ChangeEmail", data: { userId: accountId, email }, meta: { now: deps.clock() } },
          { inline: [projectUserEvents], metadata },
        ),
    );
  };
}
