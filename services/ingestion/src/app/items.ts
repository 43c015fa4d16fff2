import {
  decodeCursor,
  type MessageContext,
  pageOf,
  type sourceItemsGet,
  type sourceItemsList,
} from "@tessera/contracts";
import { requireSystem, scopedProject } from "@tessera/service-kit";
import { z } from "zod";
import { ItemNotFoundError, SourceNotFoundError } from "../domain/source-errors.ts";
import { findItemRevision, itemFromRow, listItems } from "../infra/items.ts";
import { findSource } from "../infra/sources.ts";
import type { SourcesDeps } from "./sources-deps.ts";

const ItemCursor = z.object({ firstReceivedAt: z.iso.datetime(), id: z.uuid() });

/** `svc.ingestion.source-items.list`: any member; newest first, without bodies. */
export function listSourceItems(deps: Pick<SourcesDeps, "db">) {
  return async (
    request: z.output<typeof sourceItemsList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourceItemsList.response>> => {
    const projectId = scopedProject(request, ctx);
    const { sourceId } = request;
    if (!(await findSource(deps.db, projectId, sourceId))) throw new SourceNotFoundError(sourceId);
    const rows = await listItems(deps.db, projectId, sourceId, {
      before: decodeCursor(ItemCursor, request.cursor),
      limit: request.limit + 1,
    });
    return pageOf(rows, request.limit, itemFromRow, (row) => ({
      firstReceivedAt: row.first_received_at.toISOString(),
      id: row.id,
    }));
  };
}

/** `svc.ingestion.source-items.get`: a revision with its body, for the platform's own consumers. */
export function getSourceItem(deps: Pick<SourcesDeps, "db">) {
  return async (
    request: z.output<typeof sourceItemsGet.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourceItemsGet.response>> => {
    requireSystem(ctx);
    const projectId = scopedProject(request, ctx);
    const revision = await findItemRevision(
      deps.db,
      projectId,
      request.sourceId,
      request.itemId,
      request.revision,
    );
    if (!revision) throw new ItemNotFoundError(request.itemId);
    return revision;
  };
}
