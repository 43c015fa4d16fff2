import type { documentsDelete, MessageContext } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { type DocumentDeps, requireWriter, runDocumentCommand } from "./documents-deps.ts";

/**
 * `svc.ingestion.documents.delete`: the document is gone for callers at once; the worker then
 * sends each of its chunks a `chunk.removed` (memory forgets them) and drops its content.
 */
export function deleteDocument(deps: DocumentDeps) {
  return async (request: z.output<typeof documentsDelete.request>, ctx: MessageContext): Promise<null> => {
    const projectId = scopedProject(request, ctx);
    requireWriter(ctx);
    await runDocumentCommand(
      deps.db,
      {
        type: "DeleteDocument",
        data: { documentId: request.documentId, projectId, reason: "deleted" },
        meta: { now: deps.clock() },
      },
      eventMetadata(ctx, { projectId }),
    );
    deps.nudgeWorker();
    return null;
  };
}
