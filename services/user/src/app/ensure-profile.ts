import type { EventMetadata, MessageContext } from "@tessera/contracts";
import { type AnyDb, type AnyTransaction, handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { type ProfileCommand, profileDecider, profileStreamId } from "../domain/profile.ts";
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
 * The user's profile, made at once from `auth`'s account when `auth.account.registered` has not
 * reached this service yet, so a new account reads its own writes (docs/decisions/0009). These are
 * the consumers' own commands on the same stream: whichever comes first records the fact, the other
 * finds it there. With `verifiedEmail`, an email not yet known here as verified is checked with
 * `auth` too (a verification that beat `auth.email.verified`). Undefined: `auth` knows no such
 * account, or the user was erased.
 */
export async function ensureProfile(
  deps: EnsureProfileDeps,
  userId: string,
  ctx: MessageContext,
  options: { verifiedEmail?: boolean } = {},
): Promise<ProfileRow | undefined> {
  const existing = await findProfileById(deps.db, userId);
  if (existing && (existing.email_verified_at !== null || !options.verifiedEmail)) return existing;
  if (!existing && (await isErased(deps.db, userId))) return undefined;
  const account = await deps.accounts(userId, ctx);
  if (!account) return existing;
  const metadata = eventMetadata(ctx, { actor: userId });
  if (!existing) {
    const data = {
      userId,
      email: account.email,
      ...(account.displayName === null ? {} : { displayName: account.displayName }),
    };
    await profileCommand(deps.db, { type: "CreateProfile", data, meta: { now: deps.clock() } }, metadata);
  }
  if (account.emailVerified) await recordEmailVerified(deps.db, userId, deps.clock(), metadata);
  return findProfileById(deps.db, userId);
}

/** `user.profile.email_verified`, once: what lets the account answer invitations to its address. */
export async function recordEmailVerified(
  db: AnyDb | AnyTransaction,
  userId: string,
  now: Date,
  metadata: EventMetadata,
): Promise<void> {
  await profileCommand(db, { type: "RecordEmailVerified", data: { userId }, meta: { now } }, metadata);
}

async function profileCommand(
  db: AnyDb | AnyTransaction,
  command: ProfileCommand,
  metadata: EventMetadata,
): Promise<void> {
  await handleCommand(userStores.on(db), profileDecider, profileStreamId(command.data.userId), command, {
    inline: [projectUserEvents],
    metadata,
  });
}
