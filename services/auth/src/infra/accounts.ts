import type { Kysely, Transaction } from "kysely";
import type { AccountEvent } from "../domain/account.ts";
import { EmailTakenError } from "../domain/errors.ts";
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

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
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
        try {
          await trx
            .insertInto("accounts")
            .values({
              account_id: event.data.accountId,
              email: event.data.email,
              email_normalized: normalizeEmail(event.data.email),
              password_hash: event.data.passwordHash,
              registered_at: event.data.registeredAt,
            })
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new EmailTakenError({ cause: error });
          throw error;
        }
        break;
      default: {
        const unknown: never = event.type;
        throw new Error(`unhandled account event ${String(unknown)}`);
      }
    }
  }
}
