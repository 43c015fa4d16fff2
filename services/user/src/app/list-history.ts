import {
  type HistoryPage,
  type MessageContext,
  ServiceNameSchema,
  type UserPageQuery,
} from "@tessera/contracts";
import type { Kysely } from "kysely";
import { listHistory as listHistoryRows } from "../infra/history.ts";
import type { UserDb } from "../infra/tables.ts";
import { decodeCursor, pageOf } from "./cursor.ts";
import { callerId } from "./support.ts";

/** `svc.user.me.history.list`: the caller's own events across services, newest first. */
export function listHistory(deps: { db: Kysely<UserDb> }) {
  return async (request: UserPageQuery, ctx: MessageContext): Promise<HistoryPage> => {
    const userId = callerId(ctx);
    const before = decodeCursor(request.cursor);
    const rows = await listHistoryRows(deps.db, userId, { limit: request.limit + 1, before });
    const page = pageOf(rows, request.limit, (row) => ({ at: row.occurred_at, id: row.event_id }));
    return {
      items: page.items.map((row) => ({
        eventId: row.event_id,
        type: row.type,
        service: ServiceNameSchema.parse(row.service),
        occurredAt: row.occurred_at.toISOString(),
        requestId: row.request_id,
      })),
      nextCursor: page.nextCursor,
    };
  };
}
