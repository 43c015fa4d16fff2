import {
  decodeCursor,
  type MessageContext,
  type memoriesGet,
  type memoriesHistory,
  pageOf,
} from "@tessera/contracts";
import { scopedProject } from "@tessera/service-kit";
import { z } from "zod";
import { MemoryNotFoundError } from "../domain/errors.ts";
import { findMemory, listVersions } from "../infra/memories.ts";
import type { MemoryDeps } from "./deps.ts";

/** `svc.memory.memories.get` */
export function getMemory(deps: Pick<MemoryDeps, "db">) {
  return async (
    request: z.output<typeof memoriesGet.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof memoriesGet.response>> => {
    const projectId = scopedProject(request, ctx);
    const memory = await findMemory(deps.db, projectId, request.memoryId);
    if (!memory) throw new MemoryNotFoundError(request.memoryId);
    return memory;
  };
}

const HistoryCursor = z.object({ v: z.number().int().nonnegative() });

/** `svc.memory.memories.history`: every version, oldest first, each with its validity window. */
export function getMemoryHistory(deps: Pick<MemoryDeps, "db">) {
  return async (
    request: z.output<typeof memoriesHistory.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof memoriesHistory.response>> => {
    const projectId = scopedProject(request, ctx);
    if (!(await findMemory(deps.db, projectId, request.memoryId))) {
      throw new MemoryNotFoundError(request.memoryId);
    }
    const afterVersion = decodeCursor(HistoryCursor, request.cursor)?.v ?? 0;
    const rows = await listVersions(deps.db, projectId, request.memoryId, {
      afterVersion,
      limit: request.limit + 1,
    });
    return pageOf(
      rows,
      request.limit,
      (row) => row,
      (row) => ({ v: row.version }),
    );
  };
}
