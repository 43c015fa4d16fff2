import type { MessageContext } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import type { AccountDirectory } from "../infra/accounts.ts";
import { userStores } from "../infra/event-store.ts";
import { findProfileById, isErased } from "../infra/profiles.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { ProfileRow, UserDb } from "../infra/tables.ts";

export interface EnsureProfileDeps {
  db: Kysely<UserDb>;
  clock: () => Date;
  accounts: AccountDirectory;
}

/**
 * The user's profile, created at once from `auth`'s account when `auth.account.registered` has not
 * reached this service yet, so a new account reads its own writes (docs/decisions/0009). It is the
 * consumer's own command on the same stream: whichever comes first creates the profile, the other
 * finds it there. Undefined: `auth` knows no such account, or the user was erased.
 */
export async function ensureProfile(
  deps: EnsureProfileDeps,
  userId: string,
  ctx: MessageContext,
): Promise<ProfileRow | undefined> {
  const existing = await findProfileById(deps.db, userId);
  if (existing) return existing;
  if (await isErased(deps.db, userId)) return undefined;
  const account = await deps.accounts(userId, ctx);
  if (!account) return undefined;
  await handleCommand(
    userStores.on(deps.db),
    profileDecider,
    profileStreamId(userId),
    { type: "CreateProfile", data: { userId, email: account.email }, meta: { now: deps.clock() } },
    { inline: [projectUserEvents], metadata: eventMetadata(ctx, { actor: userId }) },
  );
  return findProfileById(deps.db, userId);
}
