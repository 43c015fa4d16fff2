import { describe, expect, it } from "vitest";
import { type ChunkSpan, chunkText, type StructuredText } from "../src/domain/chunker.ts";
import { markdownToStructuredText } from "../src/infra/extraction/markdown.ts";

const slices = (doc: StructuredText, chunks: readonly ChunkSpan[]) =>
  chunks.map((chunk) => doc.text.slice(chunk.start, chunk.end));

const plain = (text: string): StructuredText => ({ text, headings: [] });

function sentence(index: number): string {
  return `Sentence number ${index} says something about topic ${index % 7}.`;
}

describe("the chunker", () => {
  it("keeps a text shorter than the size as one chunk, trimmed, with offsets into the text", () => {
    const doc = plain("\n\n  Hello there.  \n");
    const chunks = chunkText(doc, { size: 100, overlap: 0 });
    expect(chunks).toEqual([{ position: 0, start: 4, end: 16, headingPath: [] }]);
    expect(slices(doc, chunks)).toEqual(["Hello there."]);
  });

  it("splits at paragraphs before lines, sentences and words, and no chunk exceeds the size", () => {
    const paragraphs = ["First paragraph is short.", "Second paragraph is also short.", "Third one."];
    const doc = plain(paragraphs.join("\n\n"));
    const chunks = chunkText(doc, { size: 40, overlap: 0 });
    expect(slices(doc, chunks)).toEqual(paragraphs);

    const long = plain(Array.from({ length: 12 }, (_, index) => sentence(index)).join(" "));
    const bySentence = chunkText(long, { size: 120, overlap: 0 });
    expect(bySentence.length).toBeGreaterThan(3);
    for (const content of slices(long, bySentence)) {
      expect(content.length).toBeLessThanOrEqual(120);
      expect(content).toMatch(/^Sentence number \d+ .*\.$/);
    }
  });

  it("cuts a word longer than the size at the size, never between the halves of a surrogate pair", () => {
    const doc = plain(`${"a".repeat(9)}😀${"b".repeat(10)}`);
    const chunks = chunkText(doc, { size: 10, overlap: 0 });
    const contents = slices(doc, chunks);
    expect(contents.join("")).toBe(doc.text);
    expect(contents[0]).toBe("a".repeat(9));
    for (const content of contents) {
      expect(content.length).toBeLessThanOrEqual(10);
      expect(content.isWellFormed()).toBe(true);
    }
  });

  it("covers every word of the text, in order, with exact offsets", () => {
    const text = Array.from({ length: 40 }, (_, index) =>
      index % 5 === 4 ? `## Part ${index}\n` : `${sentence(index)} ${sentence(index + 100)}\n\n`,
    ).join("");
    const doc = markdownToStructuredText(text);
    const chunks = chunkText(doc, { size: 90, overlap: 20 });
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, index) => index));
    const covered = new Uint8Array(text.length);
    for (const chunk of chunks) {
      expect(chunk.end - chunk.start).toBeLessThanOrEqual(90);
      covered.fill(1, chunk.start, chunk.end);
    }
    for (let offset = 0; offset < text.length; offset += 1) {
      if (!/\s/.test(text[offset] ?? "")) expect(covered[offset], `offset ${offset}`).toBe(1);
    }
    for (const [index, chunk] of chunks.entries()) {
      const previous = chunks[index - 1];
      if (previous) expect(chunk.start).toBeGreaterThan(previous.start);
    }
  });

  it("gives each chunk the path of headings above it, and never lets a chunk span two sections", () => {
    const text = [
      "Preamble before any heading.",
      "# Guide",
      "Intro of the guide.",
      "## Install",
      "Run the installer.",
      "### On Linux",
      "Use the package.",
      "## Configure",
      "Edit the file.",
      "# Appendix",
      "Extra notes.",
    ].join("\n\n");
    const doc = markdownToStructuredText(text);
    const chunks = chunkText(doc, { size: 1_000, overlap: 100 });
    expect(chunks.map((chunk) => [slices(doc, [chunk])[0], chunk.headingPath])).toEqual([
      ["Preamble before any heading.", []],
      ["# Guide\n\nIntro of the guide.", ["Guide"]],
      ["## Install\n\nRun the installer.", ["Guide", "Install"]],
      ["### On Linux\n\nUse the package.", ["Guide", "Install", "On Linux"]],
      ["## Configure\n\nEdit the file.", ["Guide", "Configure"]],
      ["# Appendix\n\nExtra notes.", ["Appendix"]],
    ]);
  });

  it("joins a heading with nothing under it to the deeper section that follows", () => {
    const doc = markdownToStructuredText(
      "# Manual\n\n## Safety\n\nWear gloves.\n\n## Empty\n\n## Last\n\nDone.",
    );
    const chunks = chunkText(doc, { size: 1_000, overlap: 0 });
    expect(chunks.map((chunk) => [slices(doc, [chunk])[0], chunk.headingPath])).toEqual([
      ["# Manual\n\n## Safety\n\nWear gloves.", ["Manual", "Safety"]],
      ["## Empty", ["Manual", "Empty"]],
      ["## Last\n\nDone.", ["Manual", "Last"]],
    ]);
  });

  it("starts each chunk after the first of a section with the previous chunk's end, from a word boundary", () => {
    const doc = plain(Array.from({ length: 30 }, (_, index) => sentence(index)).join(" "));
    const chunks = chunkText(doc, { size: 200, overlap: 60 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const [index, chunk] of chunks.entries()) {
      const previous = chunks[index - 1];
      if (!previous) continue;
      expect(chunk.start).toBeLessThan(previous.end);
      const shared = doc.text.slice(chunk.start, previous.end);
      expect(shared.length).toBeGreaterThan(0);
      expect(shared.length).toBeLessThanOrEqual(60);
      expect(doc.text.slice(previous.start, previous.end).endsWith(shared)).toBe(true);
      expect(doc.text[chunk.start - 1]).toBe(" ");
    }
    const withoutOverlap = chunkText(doc, { size: 200, overlap: 0 });
    for (const [index, chunk] of withoutOverlap.entries()) {
      const previous = withoutOverlap[index - 1];
      if (previous) expect(chunk.start).toBeGreaterThanOrEqual(previous.end);
    }
  });

  it("chunks the same text the same way every time", () => {
    const doc = markdownToStructuredText(
      Array.from({ length: 50 }, (_, index) => `## H${index}\n\n${sentence(index)}`).join("\n\n"),
    );
    expect(chunkText(doc, { size: 64, overlap: 16 })).toEqual(chunkText(doc, { size: 64, overlap: 16 }));
  });

  it("refuses an overlap above half the size", () => {
    expect(() => chunkText(plain("x"), { size: 100, overlap: 51 })).toThrow(RangeError);
  });
});
