import type { Kysely, Transaction } from "kysely";
import type { SessionEvent } from "../domain/session.ts";
import type { AuthDb, SessionRow } from "./tables.ts";

type Db = Kysely<AuthDb> | Transaction<AuthDb>;

/** The session a refresh token (current or rotated out) belongs to. */
export async function findSessionIdByRefreshHash(db: Db, tokenHash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("refresh_tokens")
    .select("session_id")
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return row?.session_id;
}

/** Sessions of an account that are not revoked (expired ones included: revoking them is harmless). */
export async function findUnrevokedSessionIds(db: Db, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("sessions")
    .select("session_id")
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .execute();
  return rows.map((row) => row.session_id);
}

export interface SessionCursor {
  startedAt: string;
  sessionId: string;
}

/** A page of an account's live sessions, newest first, after a keyset cursor. */
export async function listLiveSessions(
  db: Db,
  query: { accountId: string; now: Date; idleLifetimeMs: number; limit: number; after?: SessionCursor },
): Promise<SessionRow[]> {
  const idleSince = new Date(query.now.getTime() - query.idleLifetimeMs);
  let select = db
    .selectFrom("sessions")
    .selectAll()
    .where("account_id", "=", query.accountId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", query.now)
    .where("last_used_at", ">", idleSince);
  const after = query.after;
  if (after) {
    select = select.where((eb) =>
      eb.or([
        eb("started_at", "<", new Date(after.startedAt)),
        eb.and([eb("started_at", "=", new Date(after.startedAt)), eb("session_id", "<", after.sessionId)]),
      ]),
    );
  }
  return select.orderBy("started_at", "desc").orderBy("session_id", "desc").limit(query.limit).execute();
}

/** Inline projection: sessions with their current refresh-token hash, and every hash ever issued. */
/** A refresh token of a session's family, by hash: looked up on refresh, kept to detect reuse. */
async function recordRefreshToken(
  trx: Transaction<AuthDb>,
  sessionId: string,
  tokenHash: string,
  issuedAt: string,
): Promise<void> {
  await trx
    .insertInto("refresh_tokens")
    .values({ token_hash: tokenHash, session_id: sessionId, issued_at: issuedAt })
    .execute();
}

async function revokeSession(
  trx: Transaction<AuthDb>,
  sessionId: string,
  revokedAt: string,
  reason: string,
): Promise<void> {
  await trx
    .updateTable("sessions")
    .set({ revoked_at: revokedAt, revoke_reason: reason })
    .where("session_id", "=", sessionId)
    .execute();
}

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
            method: event.data.method,
            refresh_token_hash: event.data.refreshTokenHash,
            started_at: event.data.startedAt,
            expires_at: event.data.expiresAt,
            last_used_at: event.data.startedAt,
            revoked_at: null,
          })
          .execute();
        await recordRefreshToken(
          trx,
          event.data.sessionId,
          event.data.refreshTokenHash,
          event.data.startedAt,
        );
        break;
      case "auth.session.refreshed":
        await trx
          .updateTable("sessions")
          .set({ refresh_token_hash: event.data.refreshTokenHash, last_used_at: event.data.refreshedAt })
          .where("session_id", "=", event.data.sessionId)
          .execute();
        await recordRefreshToken(
          trx,
          event.data.sessionId,
          event.data.refreshTokenHash,
          event.data.refreshedAt,
        );
        break;
      case "auth.session.revoked":
        await revokeSession(trx, event.data.sessionId, event.data.revokedAt, event.data.reason);
        break;
      case "auth.session.compromised":
        await revokeSession(trx, event.data.sessionId, event.data.detectedAt, "compromised");
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled session event ${String(unknown)}`);
      }
    }
  }
}
