import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ChunkContext, chunkIdOf, keyChunks } from "../src/app/chunk-identity.ts";
import { type ChunkPlan, planChunks, type StoredChunk } from "../src/domain/chunk-plan.ts";
import { chunkText } from "../src/domain/chunker.ts";
import { markdownToStructuredText } from "../src/infra/extraction/markdown.ts";

const options = { size: 120, overlap: 0 };

function section(title: string, paragraphs: readonly string[]): string {
  return [`## ${title}`, ...paragraphs].join("\n\n");
}

const handbook = (overrides: Partial<Record<"leave" | "travel" | "security", readonly string[]>> = {}) =>
  [
    "# Handbook",
    section("Leave", overrides.leave ?? ["Everyone gets twenty-five days of paid leave each year."]),
    section(
      "Travel",
      overrides.travel ?? ["Book trains for trips under five hours.", "Flights need approval."],
    ),
    section("Security", overrides.security ?? ["Lock your screen when you leave your desk."]),
  ].join("\n\n");

/** A revision's plan against the chunks (and removal counts) a document has, as the worker computes it. */
function revise(
  text: string,
  context: ChunkContext,
  stored: readonly StoredChunk[] = [],
  removals: ReadonlyMap<string, number> = new Map(),
): ChunkPlan {
  const doc = markdownToStructuredText(text);
  return planChunks(keyChunks(doc.text, chunkText(doc, options), context), stored, removals, chunkIdOf);
}

const stored = (plan: ChunkPlan): StoredChunk[] =>
  plan.chunks.map((chunk) => ({ id: chunk.id, naturalKey: chunk.naturalKey }));

describe("chunk identity", () => {
  const context: ChunkContext = { documentId: randomUUID(), collectionId: null, metadata: { team: "ops" } };

  it("gives the same content at the same place the same id, every time", () => {
    const first = revise(handbook(), context);
    const again = revise(handbook(), { ...context, metadata: { team: "ops" } });
    expect(first.chunks.map((chunk) => chunk.id)).toEqual(again.chunks.map((chunk) => chunk.id));
    expect(new Set(first.chunks.map((chunk) => chunk.id)).size).toBe(first.chunks.length);
    const elsewhere = revise(handbook(), { ...context, documentId: randomUUID() });
    expect(elsewhere.chunks.map((chunk) => chunk.id)).not.toContain(first.chunks[0]?.id);
  });

  it("on a changed revision creates only the new chunks, removes the vanished ones and keeps the rest", () => {
    const first = revise(handbook(), context);
    const edited = revise(
      handbook({ leave: ["Everyone gets thirty days of paid leave each year, and more after five years."] }),
      context,
      stored(first),
    );
    const leave = (plan: ChunkPlan) => plan.chunks.filter((chunk) => chunk.headingPath.includes("Leave"));
    expect(edited.created.map((chunk) => chunk.id)).toEqual(leave(edited).map((chunk) => chunk.id));
    expect(edited.removed.map((chunk) => chunk.id)).toEqual(leave(first).map((chunk) => chunk.id));
    const untouched = first.chunks.filter((chunk) => !chunk.headingPath.includes("Leave"));
    expect(edited.kept.map((chunk) => chunk.id)).toEqual(untouched.map((chunk) => chunk.id));
    // The kept chunks moved with the longer text before them; their offsets follow it.
    const travel = edited.kept.find((chunk) => chunk.headingPath.includes("Travel"));
    const travelBefore = first.chunks.find((chunk) => chunk.id === travel?.id);
    expect(travel?.start).toBeGreaterThan(travelBefore?.start ?? Number.POSITIVE_INFINITY);
  });

  it("keeps every chunk when a section is added at the end", () => {
    const first = revise(handbook(), context);
    const longer = revise(
      `${handbook()}\n\n${section("Expenses", ["Submit receipts within a month."])}`,
      context,
      stored(first),
    );
    expect(longer.removed).toEqual([]);
    expect(longer.kept.map((chunk) => chunk.id)).toEqual(first.chunks.map((chunk) => chunk.id));
    expect(longer.created.map((chunk) => chunk.headingPath)).toEqual([["Handbook", "Expenses"]]);
  });

  it("changes every id when what each memory records of the document changes (metadata, collection)", () => {
    const first = revise(handbook(), context);
    const ids = new Set(first.chunks.map((chunk) => chunk.id));
    for (const changed of [
      { ...context, metadata: { team: "security" } },
      { ...context, collectionId: randomUUID() },
    ]) {
      const plan = revise(handbook(), changed, stored(first));
      expect(plan.kept).toEqual([]);
      expect(plan.removed).toHaveLength(first.chunks.length);
      expect(plan.created.some((chunk) => ids.has(chunk.id))).toBe(false);
    }
  });

  it("gives a chunk that comes back after its removal a new id, since its old memory is forgotten", () => {
    const first = revise(handbook(), context);
    const without = revise(handbook({ security: ["Badges are worn at all times."] }), context, stored(first));
    const removals = new Map(without.removed.map((chunk) => [chunk.naturalKey, 1]));
    const back = revise(handbook(), context, stored(without), removals);
    const returning = back.created.find((chunk) => chunk.headingPath.includes("Security"));
    const original = first.chunks.find((chunk) => chunk.headingPath.includes("Security"));
    expect(returning?.naturalKey).toBe(original?.naturalKey);
    expect(returning?.id).not.toBe(original?.id);
    expect(returning?.id).toBe(chunkIdOf(original?.naturalKey ?? "", 1));
  });
});
