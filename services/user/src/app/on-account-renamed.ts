import { accountNameChanged, type EventEnvelope, type MessageContext } from "@tessera/contracts";
import { handleCommand, handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { USER_SCHEMA, userStores } from "../infra/event-store.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import { type EnsureProfileDeps, ensureProfile } from "./ensure-profile.ts";

export const ON_ACCOUNT_RENAMED = "on-account-renamed";

/**
 * `evt.auth.account.name_changed` (a linked identity provider renamed the person) → the profile's
 * display name. The rename may overtake the registration event: the profile is then made from
 * `auth`'s account first, as a request would. An erased user stays erased.
 */
export function onAccountRenamed(deps: EnsureProfileDeps) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const { accountId, displayName } = accountNameChanged.data.parse(envelope.data);
    const profile = await ensureProfile(deps, accountId, { ...ctx, actor: systemActor("user") });
    if (!profile) return;
    const metadata = eventMetadata(ctx, { actor: accountId, causationId: envelope.eventId });
    await handleOnce(
      deps.db,
      { schema: USER_SCHEMA, consumer: ON_ACCOUNT_RENAMED, eventId: envelope.eventId },
      (trx) =>
        handleCommand(
          userStores.on(trx),
          profileDecider,
          profileStreamId(accountId),
          { type: "UpdateProfile", data: { userId: accountId, displayName }, meta: { now: deps.clock() } },
          { inline: [projectUserEvents], metadata },
        ),
    );
  };
}
