import { randomUUID } from "node:crypto";
import {
  DisplayNameSchema,
  EmailSchema,
  type EventEnvelope,
  identityChanged,
  type MessageContext,
} from "@tessera/contracts";
import { ERASED_PLACEHOLDER, handleCommand, handleOnce } from "@tessera/eventstore";
import { eventMetadata, type Logger, systemActor } from "@tessera/service-kit";
import type { Kysely, Transaction } from "kysely";
import type { z } from "zod";
import { accountStreamId } from "../domain/account.ts";
import { type AccountCommand, accountDecider, type ProviderIdentity } from "../domain/decide.ts";
import { findAccountByEmail, findIdentityAccount, projectAccountEvents } from "../infra/accounts.ts";
import { AUTH_SCHEMA, authStores } from "../infra/auth-store.ts";
import { issueLinkToken, type LinkTokenKey } from "../infra/link-tokens.ts";
import type { AuthDb } from "../infra/tables.ts";

export const ON_IDENTITY_CHANGED = "on-identity-changed";

/** The issuer under which an identity hook's users are linked: apart from every OIDC issuer URL. */
export function identityHookIssuer(issuerName: string): string {
  return `identity-hook:${issuerName}`;
}

export interface IdentityChangeDeps {
  db: Kysely<AuthDb>;
  clock: () => Date;
  logger: Logger;
  linkKey: LinkTokenKey;
  /** Lifetime of the email-verification link of an account made from an unverified email, in ms. */
  verificationTtlMs: number;
  /** Erases a user across services (`svc.user.users.erase`). */
  eraseUser(userId: string, ctx: MessageContext): Promise<void>;
}

type Change = z.output<typeof identityChanged.data>;
type Outcome = "linked" | "created" | "updated" | "unchanged" | "refused" | "no-email" | "erased" | "unknown";

/**
 * `evt.ingestion.identity.changed` → the account of that identity, keyed by `(issuer, subject)` as
 * OAuth identities are. Created or updated: an account with the identity keeps it (and takes the
 * provider's word for its own address once the provider verified it); else an account with the same
 * email is linked only when both sides verified it (pre-account-takeover defence), and refused
 * otherwise, since an email has one account; else a new account without a password, verified only
 * when the provider verified the email. Deleted: the linked account is erased across services.
 * Idempotent: the event id is recorded with the effect.
 */
export function onIdentityChanged(deps: IdentityChangeDeps) {
  return async (envelope: EventEnvelope, received: MessageContext): Promise<void> => {
    const change = identityChanged.data.parse(envelope.data);
    const ctx: MessageContext = { ...received, actor: systemActor("auth") };
    const once = { schema: AUTH_SCHEMA, consumer: ON_IDENTITY_CHANGED, eventId: envelope.eventId };
    const identity = providerIdentity(change);
    let outcome: Outcome;
    if (change.change === "deleted") {
      // The erasure is the user service's (it tells every service, auth included); a repeat of it
      // is harmless, so it runs before the event is recorded.
      const accountId = await findIdentityAccount(deps.db, identity);
      if (accountId !== undefined) await deps.eraseUser(accountId, ctx);
      await handleOnce(deps.db, once, async () => undefined);
      outcome = accountId === undefined ? "unknown" : "erased";
    } else {
      const result = await handleOnce(deps.db, once, (trx) =>
        applyIdentity(trx, deps, identity, envelope.eventId, ctx),
      );
      outcome = result.ran ? result.value : "unchanged";
    }
    deps.logger.info(
      { requestId: ctx.requestId, issuer: change.issuer, change: change.change, outcome },
      "identity change applied",
    );
  };
}

function providerIdentity(change: Change): ProviderIdentity {
  // A key destroyed before the relay opened the event reads as erased: that address is nobody's.
  // An address auth would not take at sign-up is no address; a long name is cut to the profile's.
  const email =
    change.email === ERASED_PLACEHOLDER || !EmailSchema.safeParse(change.email).success
      ? undefined
      : change.email;
  const cut = change.name === ERASED_PLACEHOLDER ? undefined : change.name?.trim().slice(0, 100);
  const name = DisplayNameSchema.safeParse(cut).success ? cut : undefined;
  return {
    provider: identityHookIssuer(change.issuer),
    issuer: identityHookIssuer(change.issuer),
    subject: change.subject,
    ...(email === undefined ? {} : { email }),
    emailVerified: email !== undefined && change.emailVerified,
    ...(name === undefined ? {} : { name }),
  };
}

/** No account but `accountId` has the address: an address has one account, so a taken one is not moved. */
async function emailIsFree(db: Transaction<AuthDb>, email: string, accountId: string): Promise<boolean> {
  const holder = await findAccountByEmail(db, email);
  return holder === undefined || holder.account_id === accountId;
}

async function applyIdentity(
  db: Transaction<AuthDb>,
  deps: IdentityChangeDeps,
  identity: ProviderIdentity,
  causationId: string,
  ctx: MessageContext,
): Promise<Outcome> {
  const run = (accountId: string, command: AccountCommand) =>
    handleCommand(authStores.on(db), accountDecider, accountStreamId(accountId), command, {
      inline: [projectAccountEvents],
      metadata: eventMetadata(ctx, { actor: accountId, causationId }),
    });
  const now = deps.clock();
  const { email } = identity;
  const linked = await findIdentityAccount(db, identity);
  if (linked !== undefined) {
    let changed = false;
    if (email !== undefined && identity.emailVerified && (await emailIsFree(db, email, linked))) {
      const result = await run(linked, {
        type: "ChangeEmailByProvider",
        data: { identity: { ...identity, email } },
        meta: { now },
      });
      changed = result.events.length > 0;
    }
    if (email !== undefined) {
      const result = await run(linked, {
        type: "ConfirmEmailByProvider",
        data: { identity: { ...identity, email } },
        meta: { now },
      });
      changed = changed || result.events.length > 0;
    }
    if (identity.name !== undefined) {
      const result = await run(linked, {
        type: "TakeProviderName",
        data: { identity, displayName: identity.name },
        meta: { now },
      });
      changed = changed || result.events.length > 0;
    }
    return changed ? "updated" : "unchanged";
  }
  if (email === undefined) return "no-email";
  const existing = await findAccountByEmail(db, email);
  if (existing) {
    // Only when both sides proved the address is it the same person; an address has one account.
    if (!(identity.emailVerified && existing.email_verified_at !== null)) return "refused";
    await run(existing.account_id, {
      type: "LinkIdentity",
      data: { identity, via: "verified-email" },
      meta: { now },
    });
    return "linked";
  }
  const accountId = randomUUID();
  const link = issueLinkToken(deps.linkKey, "email-verification", accountId);
  await run(accountId, {
    type: "RegisterOAuthAccount",
    data: {
      accountId,
      identity,
      verification: { tokenHash: link.tokenHash, token: link.encrypted, lifetimeMs: deps.verificationTtlMs },
      ...(identity.name === undefined ? {} : { displayName: identity.name }),
    },
    meta: { now },
  });
  return "created";
}
