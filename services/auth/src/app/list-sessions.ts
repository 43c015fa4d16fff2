import { decodeCursor, type MessageContext, pageOf, type SessionPage } from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { z } from "zod";
import { listLiveSessions } from "../infra/sessions.ts";
import type { AuthDb } from "../infra/tables.ts";

const CursorSchema = z.object({ startedAt: z.iso.datetime(), sessionId: z.uuid() });

/** `svc.auth.sessions.list`: the caller's live sessions, newest first, keyset-paginated. */
export function listSessions(deps: { db: Kysely<AuthDb>; refreshIdleMs: number; clock: () => Date }) {
  return async (request: { limit: number; cursor?: string }, ctx: MessageContext): Promise<SessionPage> => {
    const accountId = requireUser(ctx);
    const rows = await listLiveSessions(deps.db, {
      accountId,
      now: deps.clock(),
      idleLifetimeMs: deps.refreshIdleMs,
      limit: request.limit + 1,
      after: decodeCursor(CursorSchema, request.cursor),
    });
    return pageOf(
      rows,
      request.limit,
      (row) => ({
        id: row.session_id,
        method: row.method,
        createdAt: row.started_at.toISOString(),
        lastUsedAt: row.last_used_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
        idleExpiresAt: new Date(
          Math.min(row.last_used_at.getTime() + deps.refreshIdleMs, row.expires_at.getTime()),
        ).toISOString(),
        current: row.session_id === ctx.sessionId,
      }),
      (row) => ({ startedAt: row.started_at.toISOString(), sessionId: row.session_id }),
    );
  };
}
