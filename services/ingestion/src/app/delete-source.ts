import type { MessageContext, sourcesDelete } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { SourceNotFoundError } from "../domain/source-errors.ts";
import { deleteSourceItems, lockSource } from "../infra/sources.ts";
import { deleteSyncState } from "../infra/sync-state.ts";
import { requireSourceAdmin, runSourceCommand, type SourcesDeps } from "./sources-deps.ts";

/**
 * `svc.ingestion.sources.delete`: the source, its bindings, items, their bodies and its dedupe
 * window go in one transaction, so a webhook arriving after it answers 401 like any unknown source.
 * `evt.ingestion.source.deleted` tells the documents side to remove what it derived from the source.
 */
export function deleteSource(deps: SourcesDeps) {
  return async (request: z.output<typeof sourcesDelete.request>, ctx: MessageContext): Promise<null> => {
    requireSourceAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const { sourceId } = request;
    await deps.db.transaction().execute(async (trx) => {
      // Deliveries being stored hold the row (for share), so none lands after the items are gone.
      if (!(await lockSource(trx, projectId, sourceId))) throw new SourceNotFoundError(sourceId);
      await runSourceCommand(
        trx,
        { type: "DeleteSource", data: { projectId, sourceId }, meta: { now: deps.clock() } },
        eventMetadata(ctx, { projectId }),
      );
      await deleteSourceItems(trx, projectId, sourceId);
      await deleteSyncState(trx, { projectId, sourceId });
    });
    return null;
  };
}
