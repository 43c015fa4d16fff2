import type { Transaction } from "kysely";
import type { SessionEvent } from "../domain/session.ts";
import type { AuthDb } from "./tables.ts";

/** Inline projection: the session row holding the refresh-token hash, looked up on refresh. */
export async function projectSessionEvents(
  trx: Transaction<AuthDb>,
  events: readonly SessionEvent[],
): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case "auth.session.started":
        await trx
          .insertInto("sessions")
          .values({
            session_id: event.data.sessionId,
            account_id: event.data.accountId,
            family_id: event.data.familyId,
            refresh_token_hash: event.data.refreshTokenHash,
            started_at: event.data.startedAt,
            expires_at: event.data.expiresAt,
            revoked_at: null,
          })
          .execute();
        break;
      default: {
        const unknown: never = event.type;
        throw new Error(`unhandled session event ${String(unknown)}`);
      }
    }
  }
}
