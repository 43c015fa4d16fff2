import { type EventEnvelope, emailVerified, type MessageContext } from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { USER_SCHEMA } from "../infra/event-store.ts";
import { type EnsureProfileDeps, ensureProfile, recordEmailVerified } from "./ensure-profile.ts";

export const ON_EMAIL_VERIFIED = "on-email-verified";

/**
 * `evt.auth.email.verified` → the profile records that its email is verified, which is what lets
 * the account answer invitations to that address. The verification may overtake the registration
 * event: the profile is then made from `auth`'s account first, as a request would.
 */
export function onEmailVerified(deps: EnsureProfileDeps) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const { accountId } = emailVerified.data.parse(envelope.data);
    const profile = await ensureProfile(deps, accountId, { ...ctx, actor: systemActor("user") });
    if (!profile) return;
    const metadata = eventMetadata(ctx, { actor: accountId, causationId: envelope.eventId });
    await handleOnce(
      deps.db,
      { schema: USER_SCHEMA, consumer: ON_EMAIL_VERIFIED, eventId: envelope.eventId },
      (trx) => recordEmailVerified(trx, accountId, deps.clock(), metadata),
    );
  };
}
