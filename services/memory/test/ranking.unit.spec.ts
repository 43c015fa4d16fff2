import { describe, expect, it } from "vitest";
import { decayFactor, reciprocalRankFusion } from "../src/domain/ranking.ts";
import { hashEmbed } from "../src/infra/embeddings/local.ts";

const halfLives = { episodic: 30, semantic: 180, procedural: 365 };
const now = new Date("2026-11-22T00:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const candidate = (tier: "working" | "episodic" | "semantic", days: number, importance = 0.5) => ({
  id: "x",
  tier,
  importance,
  lastTouchedAt: daysAgo(days),
});

describe("ranking decay", () => {
  it("halves the decaying share of relevance after one half-life and never goes below the floor", () => {
    const fresh = decayFactor(candidate("episodic", 0), halfLives, now);
    const oneHalfLife = decayFactor(candidate("episodic", 30), halfLives, now);
    const ancient = decayFactor(candidate("episodic", 3_000), halfLives, now);
    expect(oneHalfLife / fresh).toBeCloseTo(0.75);
    expect(ancient / fresh).toBeCloseTo(0.5);
  });

  it("decays episodic memories faster than semantic ones and not working ones at all", () => {
    expect(decayFactor(candidate("episodic", 60), halfLives, now)).toBeLessThan(
      decayFactor(candidate("semantic", 60), halfLives, now),
    );
    expect(decayFactor(candidate("working", 60), halfLives, now)).toBe(
      decayFactor(candidate("working", 0), halfLives, now),
    );
  });

  it("ranks more important memories higher at equal age", () => {
    expect(decayFactor(candidate("semantic", 1, 0.9), halfLives, now)).toBeGreaterThan(
      decayFactor(candidate("semantic", 1, 0.1), halfLives, now),
    );
  });
});

describe("reciprocal rank fusion", () => {
  it("puts an id ranked well in both lists above ids that top only one", () => {
    const fused = reciprocalRankFusion([
      ["a", "both", "c"],
      ["d", "both", "e"],
    ]);
    const order = [...fused.entries()].sort((x, y) => y[1] - x[1]).map(([id]) => id);
    expect(order[0]).toBe("both");
    expect(fused.get("both")).toBeCloseTo(2 / 62);
  });
});

describe("feature-hashing embedder", () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

  it("is deterministic and L2-normalised at the configured dimension", () => {
    const vector = hashEmbed("The quick brown fox", 384);
    expect(vector).toHaveLength(384);
    expect(hashEmbed("The quick brown fox", 384)).toEqual(vector);
    expect(cosine(vector, vector)).toBeCloseTo(1);
  });

  it("places texts sharing words and spellings closer than unrelated texts (lexical, not semantic)", () => {
    const base = hashEmbed("deploy the billing service on friday", 384);
    const similar = hashEmbed("deploying the billing services friday", 384);
    const unrelated = hashEmbed("grandmother's apple pie recipe", 384);
    expect(cosine(base, similar)).toBeGreaterThan(0.5);
    expect(cosine(base, unrelated)).toBeLessThan(0.2);
  });

  it("gives a text without words a unit vector instead of zeros", () => {
    const vector = hashEmbed("!!! ???", 16);
    expect(cosine(vector, vector)).toBeCloseTo(1);
  });
});
