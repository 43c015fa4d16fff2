import type { LinkPurpose } from "@tessera/contracts";
import { ERASED_PLACEHOLDER, isUniqueViolation } from "@tessera/eventstore";
import type { Kysely, Transaction } from "kysely";
import type { AccountEvent, IdentityLinkedData, LinkRequestedData } from "../domain/account.ts";
import { EmailTakenError, IdentityTakenError } from "../domain/errors.ts";
import type { Account, AuthDb } from "./tables.ts";

type Db = Kysely<AuthDb> | Transaction<AuthDb>;

/** Emails compare case-insensitively (and Unicode-normalised); the typed form is kept for display. */
export function normalizeEmail(email: string): string {
  return email.normalize("NFC").toLowerCase();
}

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return db
    .selectFrom("accounts")
    .selectAll()
    .where("email_normalized", "=", normalizeEmail(email))
    .executeTakeFirst();
}

export async function findAccountById(db: Db, accountId: string): Promise<Account | undefined> {
  return db.selectFrom("accounts").selectAll().where("account_id", "=", accountId).executeTakeFirst();
}

/** The account an outstanding link token belongs to (the decider still checks expiry and use). */
export async function findLinkTokenAccount(
  db: Db,
  tokenHash: string,
  purpose: LinkPurpose,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("link_tokens")
    .select("account_id")
    .where("token_hash", "=", tokenHash)
    .where("purpose", "=", purpose)
    .executeTakeFirst();
  return row?.account_id;
}

async function insertLinkToken(trx: Transaction<AuthDb>, data: LinkRequestedData, purpose: LinkPurpose) {
  await trx
    .insertInto("link_tokens")
    .values({ token_hash: data.tokenHash, account_id: data.accountId, purpose, expires_at: data.expiresAt })
    .execute();
}

async function deleteLinkTokens(trx: Transaction<AuthDb>, accountId: string, purpose: LinkPurpose) {
  await trx
    .deleteFrom("link_tokens")
    .where("account_id", "=", accountId)
    .where("purpose", "=", purpose)
    .execute();
}

/**
 * Inline projection: the account read model, updated in the append transaction so the very next
 * registration sees the email as taken. A unique violation on the email becomes `EmailTakenError`.
 */
export async function projectAccountEvents(
  trx: Transaction<AuthDb>,
  events: readonly AccountEvent[],
): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case "auth.account.registered":
        // Replayed after an erasure the email reads as the placeholder; the erasure that follows
        // would delete the row, and two such rows would collide on the unique email.
        if (event.data.email === ERASED_PLACEHOLDER) break;
        try {
          await trx
            .insertInto("accounts")
            .values({
              account_id: event.data.accountId,
              email: event.data.email,
              email_normalized: normalizeEmail(event.data.email),
              password_hash: event.data.passwordHash ?? null,
              registered_at: event.data.registeredAt,
            })
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new EmailTakenError({ cause: error });
          throw error;
        }
        break;
      case "auth.email.verification_requested":
        await insertLinkToken(trx, event.data, "email-verification");
        break;
      case "auth.password.reset_requested":
        await insertLinkToken(trx, event.data, "password-reset");
        break;
      case "auth.email.verified":
        await trx
          .updateTable("accounts")
          .set({ email_verified_at: event.data.verifiedAt })
          .where("account_id", "=", event.data.accountId)
          .execute();
        await deleteLinkTokens(trx, event.data.accountId, "email-verification");
        break;
      case "auth.password.changed":
        await trx
          .updateTable("accounts")
          .set({ password_hash: event.data.passwordHash })
          .where("account_id", "=", event.data.accountId)
          .execute();
        await deleteLinkTokens(trx, event.data.accountId, "password-reset");
        break;
      case "auth.identity.linked":
        await insertIdentity(trx, event.data);
        break;
      case "auth.account.erased":
        await deleteAccountRows(trx, event.data.accountId);
        break;
      case "auth.account.email_changed":
        if (event.data.email === ERASED_PLACEHOLDER) break;
        try {
          await trx
            .updateTable("accounts")
            .set({
              email: event.data.email,
              email_normalized: normalizeEmail(event.data.email),
              email_verified_at: event.data.changedAt,
            })
            .where("account_id", "=", event.data.accountId)
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new EmailTakenError({ cause: error });
          throw error;
        }
        await deleteLinkTokens(trx, event.data.accountId, "email-verification");
        break;
      case "auth.account.name_changed":
        // The name lives in events only (and in the user service's profile).
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled account event ${String(unknown)}`);
      }
    }
  }
}

async function insertIdentity(trx: Transaction<AuthDb>, data: IdentityLinkedData): Promise<void> {
  if (data.subject === ERASED_PLACEHOLDER) return;
  try {
    await trx
      .insertInto("oauth_identities")
      .values({
        issuer: data.issuer,
        subject: data.subject,
        account_id: data.accountId,
        provider: data.provider,
        linked_at: data.linkedAt,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new IdentityTakenError({ cause: error });
    throw error;
  }
}

/**
 * Everything that ties the account to a person: the email row (so the address can register again),
 * the password hash, outstanding links, provider identities and their encrypted tokens.
 */
async function deleteAccountRows(trx: Transaction<AuthDb>, accountId: string): Promise<void> {
  await trx.deleteFrom("accounts").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("link_tokens").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("oauth_identities").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("oauth_tokens").where("account_id", "=", accountId).execute();
}

/** The account a provider identity belongs to. */
export async function findIdentityAccount(
  db: Db,
  identity: { issuer: string; subject: string },
): Promise<string | undefined> {
  const row = await db
    .selectFrom("oauth_identities")
    .select("account_id")
    .where("issuer", "=", identity.issuer)
    .where("subject", "=", identity.subject)
    .executeTakeFirst();
  return row?.account_id;
}
