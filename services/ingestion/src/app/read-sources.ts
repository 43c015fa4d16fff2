import {
  CreatedCursorSchema,
  decodeCursor,
  type MessageContext,
  pageOf,
  type sourcesGet,
  type sourcesList,
} from "@tessera/contracts";
import { createdCursorOfRow, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { SourceNotFoundError } from "../domain/source-errors.ts";
import { findSource, listSources, sourceFromRow } from "../infra/sources.ts";
import type { SourcesDeps } from "./sources-deps.ts";

/** `svc.ingestion.sources.get`: any member; secrets are never part of a source. */
export function getSource(deps: Pick<SourcesDeps, "db" | "settings">) {
  return async (
    request: z.output<typeof sourcesGet.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourcesGet.response>> => {
    const projectId = scopedProject(request, ctx);
    const row = await findSource(deps.db, projectId, request.sourceId);
    if (!row) throw new SourceNotFoundError(request.sourceId);
    return sourceFromRow(row, deps.settings.publicUrl);
  };
}

/** `svc.ingestion.sources.list`: oldest first, keyset-paged. */
export function listProjectSources(deps: Pick<SourcesDeps, "db" | "settings">) {
  return async (
    request: z.output<typeof sourcesList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourcesList.response>> => {
    const projectId = scopedProject(request, ctx);
    const rows = await listSources(deps.db, projectId, {
      after: decodeCursor(CreatedCursorSchema, request.cursor),
      limit: request.limit + 1,
    });
    return pageOf(
      rows,
      request.limit,
      (row) => sourceFromRow(row, deps.settings.publicUrl),
      createdCursorOfRow,
    );
  };
}
