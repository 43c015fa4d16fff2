import type { MessageContext, memoriesForget, memoriesRevise } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { MemoryNotFoundError } from "../domain/errors.ts";
import { findMemory } from "../infra/memories.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

/** `svc.memory.memories.revise`: a new version; the previous one stays in the history, closed at this time. */
export function reviseMemory(deps: MemoryDeps) {
  return async (
    request: z.output<typeof memoriesRevise.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof memoriesRevise.response>> => {
    const projectId = scopedProject(request, ctx);
    const { memoryId, content, tier, metadata, importance, validTo } = request;
    const changes = {
      ...(content !== undefined ? { content } : {}),
      ...(tier !== undefined ? { tier } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
      ...(importance !== undefined ? { importance } : {}),
      ...(validTo !== undefined
        ? { validTo: validTo === null ? null : new Date(validTo).toISOString() }
        : {}),
    };
    await runMemoryCommand(
      deps.db,
      {
        type: "ReviseMemory",
        data: { projectId, memoryId, changes },
        meta: { now: deps.clock(), workingTtlMs: deps.policy.workingTtlMs },
      },
      eventMetadata(ctx, { projectId }),
    );
    const memory = await findMemory(deps.db, projectId, memoryId);
    if (!memory) throw new MemoryNotFoundError(memoryId);
    if (content !== undefined) deps.nudgeEmbedding();
    return memory;
  };
}

/** `svc.memory.memories.forget` */
export function forgetMemory(deps: MemoryDeps) {
  return async (request: z.output<typeof memoriesForget.request>, ctx: MessageContext): Promise<null> => {
    const projectId = scopedProject(request, ctx);
    await runMemoryCommand(
      deps.db,
      {
        type: "ForgetMemory",
        data: { projectId, memoryId: request.memoryId, reason: "deleted" },
        meta: { now: deps.clock(), workingTtlMs: deps.policy.workingTtlMs },
      },
      eventMetadata(ctx, { projectId }),
    );
    return null;
  };
}
