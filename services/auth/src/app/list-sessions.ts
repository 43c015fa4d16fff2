import { type MessageContext, type SessionPage, ValidationError } from "@tessera/contracts";
import type { Kysely } from "kysely";
import { z } from "zod";
import { listLiveSessions, type SessionCursor } from "../infra/sessions.ts";
import type { AuthDb } from "../infra/tables.ts";
import { requireActor } from "./actor.ts";

const CursorSchema = z.object({ startedAt: z.iso.datetime(), sessionId: z.uuid() });

function encodeCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(cursor: string): SessionCursor {
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch (error) {
    throw new ValidationError("The cursor is not valid.", [{ field: "cursor", message: "is not valid" }], {
      cause: error,
    });
  }
}

/** `svc.auth.sessions.list`: the caller's live sessions, newest first, keyset-paginated. */
export function listSessions(deps: { db: Kysely<AuthDb>; refreshIdleMs: number; clock: () => Date }) {
  return async (request: { limit: number; cursor?: string }, ctx: MessageContext): Promise<SessionPage> => {
    const accountId = requireActor(ctx);
    const rows = await listLiveSessions(deps.db, {
      accountId,
      now: deps.clock(),
      idleLifetimeMs: deps.refreshIdleMs,
      limit: request.limit + 1,
      ...(request.cursor ? { after: decodeCursor(request.cursor) } : {}),
    });
    const page = rows.slice(0, request.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.session_id,
        method: row.method,
        createdAt: row.started_at.toISOString(),
        lastUsedAt: row.last_used_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
        idleExpiresAt: new Date(
          Math.min(row.last_used_at.getTime() + deps.refreshIdleMs, row.expires_at.getTime()),
        ).toISOString(),
        current: row.session_id === ctx.sessionId,
      })),
      nextCursor:
        rows.length > request.limit && last
          ? encodeCursor({ startedAt: last.started_at.toISOString(), sessionId: last.session_id })
          : null,
    };
  };
}
