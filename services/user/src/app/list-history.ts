import {
  decodeCursor,
  type HistoryPage,
  type MessageContext,
  type PageQuery,
  pageOf,
  ServiceNameSchema,
} from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { listHistory as listHistoryRows } from "../infra/history.ts";
import type { UserDb } from "../infra/tables.ts";
import { KeysetCursorSchema } from "./support.ts";

/** `svc.user.history.list`: the caller's own events across services, newest first. */
export function listHistory(deps: { db: Kysely<UserDb> }) {
  return async (request: PageQuery, ctx: MessageContext): Promise<HistoryPage> => {
    const userId = requireUser(ctx);
    const before = decodeCursor(KeysetCursorSchema, request.cursor);
    const rows = await listHistoryRows(deps.db, userId, { limit: request.limit + 1, before });
    return pageOf(
      rows,
      request.limit,
      (row) => ({
        eventId: row.event_id,
        type: row.type,
        service: ServiceNameSchema.parse(row.service),
        occurredAt: row.occurred_at.toISOString(),
        requestId: row.request_id,
      }),
      (row) => ({ at: row.occurred_at.toISOString(), id: row.event_id }),
    );
  };
}
