import type { MessageContext, memoriesSearch } from "@tessera/contracts";
import { scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { decayFactor, reciprocalRankFusion } from "../domain/ranking.ts";
import { EmbeddingUnavailableError } from "../infra/embeddings/provider.ts";
import { findMemoryViews, recordAccess } from "../infra/memories.ts";
import { type Candidate, keywordCandidates, type SearchFilters, vectorCandidates } from "../infra/search.ts";
import type { MemoryDeps } from "./deps.ts";

type Request = z.output<typeof memoriesSearch.request>;
type Response = z.input<typeof memoriesSearch.response>;

/** Candidates fetched per mode before decay re-ranks them: enough for decay to reorder near ties. */
const CANDIDATE_FACTOR = 3;
const CANDIDATES_MAX = 300;

interface Logger {
  warn(object: object, message: string): void;
}

/**
 * `svc.memory.memories.search`. Relevance per mode: `vector` cosine similarity, `keyword`
 * `ts_rank_cd`, `hybrid` reciprocal rank fusion of both lists. The score is relevance × decay (age
 * and access for non-working tiers, and importance). Hits count as accesses.
 */
export function searchMemories(deps: MemoryDeps & { logger: Logger }) {
  return async (request: Request, ctx: MessageContext): Promise<Response> => {
    const projectId = scopedProject(request, ctx);
    const now = deps.clock();
    const filters: SearchFilters = {
      projectId,
      tiers: request.tiers,
      collectionId: request.collectionId,
      ownerId: request.ownerId,
      metadata: request.metadata,
      createdAfter: request.createdAfter,
      createdBefore: request.createdBefore,
      validAt: request.validAt ? new Date(request.validAt) : now,
    };
    const candidates = Math.min(request.limit * CANDIDATE_FACTOR, CANDIDATES_MAX);
    const relevance = await rank(deps, request, filters, candidates);
    const views = await findMemoryViews(deps.db, projectId, [...relevance.keys()]);
    const scored = views
      .map((view) => {
        const { memory } = view;
        const lastTouched = Math.max(Date.parse(memory.lastSeenAt), view.lastAccessedAt?.getTime() ?? 0);
        const factor = decayFactor(
          {
            id: memory.id,
            tier: memory.tier,
            importance: memory.importance,
            lastTouchedAt: new Date(lastTouched),
          },
          deps.policy.halfLives,
          now,
        );
        return { memory, score: (relevance.get(memory.id) ?? 0) * factor };
      })
      .sort((a, b) => b.score - a.score || a.memory.id.localeCompare(b.memory.id))
      .slice(0, request.limit);
    await recordAccess(
      deps.db,
      projectId,
      scored.map((item) => item.memory.id),
      now,
    );
    return { items: scored };
  };
}

async function rank(
  deps: MemoryDeps & { logger: Logger },
  request: Request,
  filters: SearchFilters,
  limit: number,
): Promise<Map<string, number>> {
  const keyword = () => keywordCandidates(deps.db, filters, { text: request.query, limit });
  const vector = async (): Promise<Candidate[]> => {
    const [embedding] = await deps.embedder.embed([request.query]);
    if (!embedding) return [];
    return vectorCandidates(deps.db, filters, {
      vector: embedding,
      model: deps.embedder.model,
      dimensions: deps.embedder.dimensions,
      limit,
      efSearch: Math.max(deps.policy.efSearch, limit),
    });
  };
  switch (request.mode) {
    case "vector":
      return new Map((await vector()).map((hit) => [hit.id, 1 - hit.value]));
    case "keyword":
      return new Map((await keyword()).map((hit) => [hit.id, hit.value]));
    case "hybrid": {
      const [byVector, byKeyword] = await Promise.all([
        vector().catch((error: unknown) => {
          // Keyword search still answers while the embedding provider is down.
          if (!(error instanceof EmbeddingUnavailableError)) throw error;
          deps.logger.warn({ err: error }, "hybrid search fell back to keywords only");
          return [];
        }),
        keyword(),
      ]);
      return reciprocalRankFusion([byVector.map((hit) => hit.id), byKeyword.map((hit) => hit.id)]);
    }
    default: {
      const unknown: never = request.mode;
      return unknown;
    }
  }
}
