import { describe, expect, it } from "vitest";
import { chunkText, type StructuredText } from "../src/domain/chunker.ts";
import { UnreadableDocumentError } from "../src/domain/document-errors.ts";
import { extractStructuredText } from "../src/infra/extraction/extract.ts";
import { htmlToStructuredText } from "../src/infra/extraction/html.ts";
import { JSON_DEPTH_MAX, jsonToStructuredText } from "../src/infra/extraction/json.ts";
import { markdownToStructuredText } from "../src/infra/extraction/markdown.ts";
import { writePdf } from "./support/pdf.ts";

const headingLines = (doc: StructuredText) =>
  doc.headings.map((heading) => [
    heading.level,
    heading.title,
    doc.text.slice(heading.offset, heading.bodyStart),
  ]);

async function reasonOf(work: () => unknown): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (error instanceof UnreadableDocumentError) return error.reason;
    throw error;
  }
  throw new Error("expected the document to be unreadable");
}

describe("Markdown", () => {
  it("keeps the source as the text and finds ATX and setext headings, not those inside code", () => {
    const source = [
      "# Title #",
      "Intro",
      "",
      "Setext one",
      "==========",
      "",
      "```",
      "# not a heading",
      "```",
      "  ## Indented",
      "- list item",
      "---",
      "Two lines of",
      "a setext heading",
      "---",
      "####### seven hashes is text",
    ].join("\n");
    const doc = markdownToStructuredText(source);
    expect(doc.text).toBe(source);
    expect(headingLines(doc)).toEqual([
      [1, "Title", "# Title #\n"],
      [1, "Setext one", "Setext one\n==========\n"],
      [2, "Indented", "  ## Indented\n"],
      [2, "Two lines of a setext heading", "Two lines of\na setext heading\n---\n"],
    ]);
  });

  it("normalises line breaks and drops control characters before offsets are counted", () => {
    const doc = markdownToStructuredText("# A\r\nbody\u0000 text\r\n");
    expect(doc.text).toBe("# A\nbody text\n");
    expect(headingLines(doc)).toEqual([[1, "A", "# A\n"]]);
  });
});

describe("HTML", () => {
  const page = `<html><head><title>Ignored</title><style>p { color: red }</style><script>alert(1)</script></head>
    <body><h1>Pricing <em>plans</em></h1><p>See <a href="https://example.com/plans">our plans</a> or
    <a href="https://example.com">https://example.com</a>.</p><img alt="A chart of prices" src="data:image/png;base64,AAAA">
    <h2>Enterprise</h2><p>Call us.</p><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>10</td></tr></table></body></html>`;

  it("converts to text with link addresses and image alt text kept, scripts and styles dropped", () => {
    const { text } = htmlToStructuredText(page);
    expect(text).toContain("See our plans [https://example.com/plans] or https://example.com.");
    expect(text).toContain("A chart of prices");
    expect(text).not.toMatch(/alert|color: red|Ignored|data:image/);
    expect(text).toMatch(/Plan\s+Price/);
  });

  it("records its headings as the structure, so chunks carry them as heading paths", () => {
    const doc = htmlToStructuredText(page);
    expect(headingLines(doc)).toEqual([
      [1, "Pricing plans", "Pricing plans\n"],
      [2, "Enterprise", "Enterprise\n"],
    ]);
    const chunks = chunkText(doc, { size: 1_000, overlap: 0 });
    expect(chunks.map((chunk) => chunk.headingPath)).toEqual([
      ["Pricing plans"],
      ["Pricing plans", "Enterprise"],
    ]);
    expect(doc.text.slice(chunks[1]?.start, chunks[1]?.end)).toMatch(/^Enterprise\n\nCall us\./);
  });
});

describe("JSON", () => {
  it("flattens to one key-path line per leaf, each top-level key its own section", () => {
    const doc = jsonToStructuredText(
      JSON.stringify({
        a: { b: [{ c: 1 }, "x", null] },
        "weird key": "line\nbreak",
        e: [],
        f: {},
        flag: true,
      }),
    );
    expect(doc.text.split("\n")).toEqual([
      "a.b[0].c: 1",
      "a.b[1]: x",
      "a.b[2]: null",
      '["weird key"]: "line\\nbreak"',
      "e: []",
      "f: {}",
      "flag: true",
    ]);
    expect(
      doc.headings.map((heading) => [heading.title, doc.text.slice(heading.offset).split("\n")[0]]),
    ).toEqual([
      ["a", "a.b[0].c: 1"],
      ['["weird key"]', '["weird key"]: "line\\nbreak"'],
      ["e", "e: []"],
      ["f", "f: {}"],
      ["flag", "flag: true"],
    ]);
    expect(jsonToStructuredText("[1, [2]]").text).toBe("[0]: 1\n[1][0]: 2");
    expect(jsonToStructuredText('"just text"').text).toBe("just text");
  });

  it("fails a document that is not JSON, or nested too deep, with a reason", async () => {
    expect(await reasonOf(() => jsonToStructuredText("{ nope"))).toMatch(/^the content is not valid JSON/);
    const deep = `${"[".repeat(JSON_DEPTH_MAX + 1)}${"]".repeat(JSON_DEPTH_MAX + 1)}`;
    expect(await reasonOf(() => jsonToStructuredText(deep))).toBe(
      `the JSON is nested deeper than ${JSON_DEPTH_MAX} levels`,
    );
  });
});

describe("PDF", () => {
  it("extracts the text of each page, every page a section of its own", async () => {
    const bytes = writePdf([
      ["Quarterly report (draft).", "Revenue grew in every region."],
      ["Second page: outlook."],
    ]);
    const doc = await extractStructuredText({ contentType: "application/pdf", charset: undefined, bytes });
    expect(doc.text).toContain("Quarterly report (draft).");
    expect(doc.text).toContain("Revenue grew in every region.");
    expect(doc.headings.map((heading) => heading.title)).toEqual(["page 1", "page 2"]);
    const chunks = chunkText(doc, { size: 1_000, overlap: 0 });
    expect(chunks.map((chunk) => [chunk.headingPath, doc.text.slice(chunk.start, chunk.end)])).toEqual([
      [["page 1"], expect.stringMatching(/^Quarterly report \(draft\)\.\s+Revenue grew in every region\.$/)],
      [["page 2"], "Second page: outlook."],
    ]);
  });

  it("fails bytes that are not a PDF with a reason", async () => {
    const bytes = new TextEncoder().encode("this is not a PDF at all");
    expect(
      await reasonOf(() =>
        extractStructuredText({ contentType: "application/pdf", charset: undefined, bytes }),
      ),
    ).toBe("the content is not a readable PDF");
  });
});

describe("text", () => {
  it("decodes the declared charset and fails bytes that are not valid in it", async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    const decoded = await extractStructuredText({
      contentType: "text/plain",
      charset: "iso-8859-1",
      bytes: latin1,
    });
    expect(decoded.text).toBe("café");
    expect(
      await reasonOf(() =>
        extractStructuredText({ contentType: "text/plain", charset: undefined, bytes: latin1 }),
      ),
    ).toBe("the content is not valid utf-8");
    expect(
      await reasonOf(() =>
        extractStructuredText({ contentType: "text/plain", charset: "klingon", bytes: latin1 }),
      ),
    ).toBe('the charset "klingon" is not one this service knows');
  });
});
