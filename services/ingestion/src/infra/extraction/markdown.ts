import type { Heading, StructuredText } from "../../domain/chunker.ts";
import { normalizeText } from "./text.ts";

/** Longest heading title kept in a heading path, in characters. */
export const HEADING_TITLE_MAX = 200;

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const BLOCK_START = /^ {0,3}(?:>|#{1,6}(?:[ \t]|$)|`{3,}|~{3,})/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;

export function headingTitle(raw: string): string {
  return raw.replace(/\s+/g, " ").trim().slice(0, HEADING_TITLE_MAX);
}

/** Markdown keeps its source as the text (offsets point into what was sent); its headings give the structure. */
export function markdownToStructuredText(source: string): StructuredText {
  const text = normalizeText(source);
  return { text, headings: markdownHeadings(text) };
}

/**
 * ATX (`## Title`) and setext (`Title` over `===` or `---`) headings, outside fenced code blocks.
 * A setext heading's title is the paragraph above its underline.
 */
export function markdownHeadings(text: string): Heading[] {
  const headings: Heading[] = [];
  let fence: string | undefined;
  let paragraph: { start: number; lines: string[] } | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const next = newline === -1 ? text.length + 1 : newline + 1;
    const line = text.slice(lineStart, lineEnd);
    const bodyStart = Math.min(next, text.length);
    const opening = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (opening !== undefined && opening[0] === fence[0] && opening.length >= fence.length)
        fence = undefined;
      paragraph = undefined;
    } else if (opening !== undefined) {
      fence = opening;
      paragraph = undefined;
    } else {
      const atx = ATX.exec(line);
      const setext = paragraph === undefined ? null : SETEXT.exec(line);
      if (atx) {
        const title = headingTitle(atx[2] ?? "");
        if (title !== "") headings.push({ offset: lineStart, bodyStart, level: atx[1]?.length ?? 1, title });
        paragraph = undefined;
      } else if (setext && paragraph) {
        const title = headingTitle(paragraph.lines.join(" "));
        const level = setext[1]?.startsWith("=") ? 1 : 2;
        if (title !== "") headings.push({ offset: paragraph.start, bodyStart, level, title });
        paragraph = undefined;
      } else if (
        line.trim() === "" ||
        LIST_ITEM.test(line) ||
        BLOCK_START.test(line) ||
        THEMATIC_BREAK.test(line)
      ) {
        paragraph = undefined;
      } else if (paragraph === undefined) {
        paragraph = { start: lineStart, lines: [line] };
      } else {
        paragraph.lines.push(line);
      }
    }
    lineStart = next;
  }
  return headings;
}
