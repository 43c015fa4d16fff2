import type { MemoryTier } from "@tessera/contracts";

/** Ranking half-life per tier, in days; `working` does not decay (it expires instead). */
export type HalfLives = Readonly<Record<Exclude<MemoryTier, "working">, number>>;

export interface RankedCandidate {
  id: string;
  tier: MemoryTier;
  importance: number;
  /** The later of creation, last reinforcement and last access. */
  lastTouchedAt: Date;
}

/** A memory nobody touched for many half-lives still keeps this share of its relevance. */
export const DECAY_FLOOR = 0.5;

/**
 * Multiplier in (0, 1] from age and access: `floor + (1 - floor) * 0.5^(days since last touch /
 * half-life)`, times `0.8 + 0.2 * importance`. Decay reorders close matches; it never buries an
 * obviously better match under a recent weak one.
 */
export function decayFactor(candidate: RankedCandidate, halfLives: HalfLives, now: Date): number {
  const importanceWeight = 0.8 + 0.2 * candidate.importance;
  if (candidate.tier === "working") return importanceWeight;
  const days = Math.max(0, now.getTime() - candidate.lastTouchedAt.getTime()) / 86_400_000;
  const recency = 0.5 ** (days / halfLives[candidate.tier]);
  return (DECAY_FLOOR + (1 - DECAY_FLOOR) * recency) * importanceWeight;
}

/** The usual RRF constant (Cormack et al.): damps the influence of the very top ranks. */
export const RRF_K = 60;

/** Reciprocal rank fusion: each list contributes `1 / (k + rank)` (rank from 1) to an id's score. */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = RRF_K): Map<string, number> {
  const fused = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, index) => {
      fused.set(id, (fused.get(id) ?? 0) + 1 / (k + index + 1));
    });
  }
  return fused;
}
