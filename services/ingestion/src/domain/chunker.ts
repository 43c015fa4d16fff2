/**
 * Recursive chunking by structure: a document's text is cut at its headings into sections, each
 * section by paragraphs, then lines, sentences, words, and at last at the size itself, into pieces
 * of at most `size - overlap`; the pieces are packed greedily into chunks of at most `size`
 * characters, and each chunk after the first of a section starts with up to `overlap` characters
 * of the one before, from a word boundary.
 * Offsets count UTF-16 code units of the extracted text, so `text.slice(start, end)` is the chunk.
 */

export interface Heading {
  /** Where the heading's section begins (its line, when the text has one). */
  readonly offset: number;
  /** Where the section's body begins: after the heading's line, or `offset` when the text has no line for it (a PDF page). */
  readonly bodyStart: number;
  /** 1 is outermost. */
  readonly level: number;
  readonly title: string;
}

/** Text with the headings found in it, as a parser hands it over. */
export interface StructuredText {
  readonly text: string;
  readonly headings: readonly Heading[];
}

export interface ChunkingOptions {
  /** Largest chunk, in characters (UTF-16 code units). */
  readonly size: number;
  /** Characters of a chunk's end repeated at the start of the next one in its section. */
  readonly overlap: number;
}

export interface ChunkSpan {
  /** Order in the document, from 0. */
  readonly position: number;
  readonly start: number;
  readonly end: number;
  /** Titles of the headings above the chunk, outermost first. */
  readonly headingPath: readonly string[];
}

type Span = readonly [start: number, end: number];

interface Section {
  start: number;
  end: number;
  level: number;
  bodyStart: number;
  headingPath: readonly string[];
}

/** Splits `doc` into chunks; blank stretches (whitespace only) make none. */
export function chunkText(doc: StructuredText, options: ChunkingOptions): ChunkSpan[] {
  assertOptions(options);
  const chunks: ChunkSpan[] = [];
  for (const section of sectionsOf(doc)) {
    const ends: number[] = [];
    // Pieces leave room for the overlap, so a carried overlap always fits beside the next piece.
    splitSpan(doc.text, section.start, section.end, options.size - options.overlap, 0, ends);
    for (const [start, end] of pack(doc.text, section.start, ends, options)) {
      const trimmed = trim(doc.text, start, end);
      if (trimmed === undefined) continue;
      chunks.push({
        position: chunks.length,
        start: trimmed[0],
        end: trimmed[1],
        headingPath: section.headingPath,
      });
    }
  }
  return chunks;
}

function assertOptions({ size, overlap }: ChunkingOptions): void {
  if (!Number.isInteger(size) || size < 2)
    throw new RangeError("chunk size must be an integer of at least 2");
  if (!Number.isInteger(overlap) || overlap < 0 || overlap * 2 > size) {
    throw new RangeError("chunk overlap must be an integer between 0 and half the size");
  }
}

/**
 * The text cut at every heading, each part with the path of headings it sits under. A heading
 * with nothing under it but a deeper heading joins that one's section, so its title is not a chunk
 * of its own.
 */
export function sectionsOf(doc: StructuredText): Section[] {
  const { text } = doc;
  const headings = doc.headings
    .filter((heading) => heading.offset >= 0 && heading.offset <= text.length)
    .toSorted((left, right) => left.offset - right.offset);
  const sections: Section[] = [];
  const stack: Heading[] = [];
  let current: Section = { start: 0, end: text.length, level: 0, bodyStart: 0, headingPath: [] };
  for (const heading of headings) {
    current.end = heading.offset;
    if (current.end > current.start) sections.push(current);
    while ((stack.at(-1)?.level ?? 0) >= heading.level) stack.pop();
    stack.push(heading);
    current = {
      start: heading.offset,
      end: text.length,
      level: heading.level,
      bodyStart: Math.max(heading.offset, Math.min(heading.bodyStart, text.length)),
      headingPath: stack.map((open) => open.title),
    };
  }
  sections.push(current);
  return mergeBareHeadings(text, sections);
}

function mergeBareHeadings(text: string, sections: Section[]): Section[] {
  const merged: Section[] = [];
  for (const [index, section] of sections.entries()) {
    const next = sections[index + 1];
    const bare = section.level > 0 && text.slice(section.bodyStart, section.end).trim() === "";
    if (bare && next !== undefined && next.level > section.level && next.start === section.end) {
      next.start = section.start;
      continue;
    }
    merged.push(section);
  }
  return merged;
}

/** Offsets just after each match of `pattern` strictly inside `(start, end)`. */
function cutsAfter(pattern: RegExp, text: string, start: number, end: number): number[] {
  const cuts: number[] = [];
  pattern.lastIndex = start;
  for (let match = pattern.exec(text); match !== null && match.index < end; match = pattern.exec(text)) {
    const cut = match.index + match[0].length;
    if (cut > start && cut < end) cuts.push(cut);
  }
  return cuts;
}

const PARAGRAPH_BREAK = /\n(?:[ \t]*\n)+/g;
const LINE_BREAK = /\n/g;

/**
 * Cuts `[start, end)` into contiguous pieces of at most `limit`, appending each piece's end to
 * `ends`: at paragraph breaks, else line breaks, else (inside one long line) greedily at sentence
 * ends, word boundaries, and at last at the limit itself.
 */
function splitSpan(
  text: string,
  start: number,
  end: number,
  limit: number,
  level: number,
  ends: number[],
): void {
  if (end - start <= limit) {
    ends.push(end);
    return;
  }
  const pattern = level === 0 ? PARAGRAPH_BREAK : level === 1 ? LINE_BREAK : undefined;
  if (pattern === undefined) {
    fillBySentences(text, start, end, limit, ends);
    return;
  }
  let from = start;
  for (const cut of [...cutsAfter(pattern, text, start, end), end]) {
    splitSpan(text, from, cut, limit, level + 1, ends);
    from = cut;
  }
}

/** Characters read past the limit so that a sentence end right at it is recognised. */
const SENTENCE_LOOKAHEAD = 64;
const sentences = new Intl.Segmenter("und", { granularity: "sentence" });

/**
 * Greedy: each piece is the most whole sentences that fit; a sentence longer than the limit is cut
 * at its last word boundary within it. The segmenter only ever reads a window past the piece's
 * start, so a long line costs time in proportion to its length.
 */
function fillBySentences(text: string, start: number, end: number, limit: number, ends: number[]): void {
  let from = start;
  while (end - from > limit) {
    const window = text.slice(from, Math.min(end, from + limit + SENTENCE_LOOKAHEAD));
    let cut = 0;
    for (const segment of sentences.segment(window)) {
      if (segment.index > limit) break;
      cut = segment.index;
    }
    from = cut > 0 ? from + cut : wordCut(text, from, from + limit);
    ends.push(from);
  }
  ends.push(end);
}

const WHITESPACE = /\s/;
const isSpace = (char: string | undefined): boolean => char !== undefined && WHITESPACE.test(char);

/** The last word start in `(from, to]`, else `to` (never between the halves of a surrogate pair). */
function wordCut(text: string, from: number, to: number): number {
  for (let offset = to; offset > from; offset -= 1) {
    if (isSpace(text[offset - 1]) && !isSpace(text[offset])) return offset;
  }
  const code = text.charCodeAt(to - 1);
  return code >= 0xd800 && code <= 0xdbff && to - 1 > from ? to - 1 : to;
}

/**
 * Greedy packing of contiguous pieces (given by their ends, the first starting at `start`), each
 * chunk after the first starting with the overlap carried from the one before.
 */
function pack(
  text: string,
  start: number,
  ends: readonly number[],
  { size, overlap }: ChunkingOptions,
): Span[] {
  const chunks: Span[] = [];
  let pieceStart = start;
  let carry: number | undefined;
  let index = 0;
  while (index < ends.length) {
    const firstEnd = ends[index] as number;
    const room = size - (firstEnd - pieceStart);
    const chunkStart =
      carry !== undefined && room > 0
        ? (wordStartWithin(text, Math.max(carry, pieceStart - room), pieceStart) ?? pieceStart)
        : pieceStart;
    let chunkEnd = firstEnd;
    index += 1;
    for (let next = ends[index]; next !== undefined && next - chunkStart <= size; next = ends[index]) {
      chunkEnd = next;
      index += 1;
    }
    chunks.push([chunkStart, chunkEnd]);
    pieceStart = chunkEnd;
    carry =
      overlap > 0 ? wordStartWithin(text, Math.max(chunkStart + 1, chunkEnd - overlap), chunkEnd) : undefined;
  }
  return chunks;
}

/** The first offset in `[from, to)` where a word begins after whitespace, if any. */
function wordStartWithin(text: string, from: number, to: number): number | undefined {
  for (let offset = Math.max(from, 1); offset < to; offset += 1) {
    if (isSpace(text[offset - 1]) && !isSpace(text[offset])) return offset;
  }
  return undefined;
}

/** `[start, end)` without whitespace at either end; undefined when nothing else is left. */
function trim(text: string, start: number, end: number): Span | undefined {
  let from = start;
  let to = end;
  while (from < to && isSpace(text[from])) from += 1;
  while (to > from && isSpace(text[to - 1])) to -= 1;
  return from < to ? [from, to] : undefined;
}
