import type { embeddingsReembed, MessageContext } from "@tessera/contracts";
import type { z } from "zod";
import { queueReembedding } from "../infra/embedding-queue.ts";
import type { MemoryDeps } from "./deps.ts";

/**
 * `svc.memory.embeddings.reembed` and the `memory.reembed` job: after a change of model or
 * dimension, queue the memories without a vector from the configured model (or all of them) for
 * the embed worker. Until each is re-embedded it is found by keyword search only; vector search
 * never mixes models.
 */
export function reembed(deps: Pick<MemoryDeps, "db" | "clock" | "embedder" | "nudgeEmbedding">) {
  return async (
    request: z.output<typeof embeddingsReembed.request>,
    _ctx?: MessageContext,
  ): Promise<z.input<typeof embeddingsReembed.response>> => {
    const queued = await queueReembedding(deps.db, {
      model: deps.embedder.model,
      dimensions: deps.embedder.dimensions,
      all: request.all,
      projectId: request.projectId,
      now: deps.clock(),
    });
    deps.nudgeEmbedding();
    return { queued };
  };
}
