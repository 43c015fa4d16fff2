import { convert, type FormatCallback, type SelectorDefinition } from "html-to-text";
import type { Heading, StructuredText } from "../../domain/chunker.ts";
import { headingTitle } from "./markdown.ts";
import { normalizeText } from "./text.ts";

const LEVELS = [1, 2, 3, 4, 5, 6] as const;

/** A private-use character the page does not contain: it marks where the converter wrote a heading. */
function markerAbsentFrom(html: string): string {
  for (let code = 0xe000; code <= 0xf8ff; code += 1) {
    const marker = String.fromCharCode(code);
    if (!html.includes(marker)) return marker;
  }
  throw new RangeError("the page uses every private-use character");
}

function headingFormatter(marker: string): FormatCallback {
  return (elem, walk, builder, formatOptions) => {
    builder.openBlock({ leadingLineBreaks: formatOptions.leadingLineBreaks ?? 2 });
    builder.addLiteral(`${marker}${String(formatOptions.level)}${marker}`);
    walk(elem.children, builder);
    builder.closeBlock({ trailingLineBreaks: formatOptions.trailingLineBreaks ?? 2 });
  };
}

/** An image as its alt text: its `src` (a data: URL can be megabytes) says nothing a search needs. */
const altText: FormatCallback = (elem, _walk, builder) => {
  const alt: unknown = elem.attribs?.alt;
  if (typeof alt === "string" && alt.trim() !== "") builder.addInline(alt.trim());
};

/**
 * HTML to text with `html-to-text`: no wrapping, links as `text [href]` (the address is context a
 * search can use), tables as aligned columns, headings as their own lines, recorded as the
 * structure. Scripts, styles and the head are dropped by the converter.
 */
export function htmlToStructuredText(html: string): StructuredText {
  const marker = markerAbsentFrom(html);
  const selectors: SelectorDefinition[] = [
    ...LEVELS.map((level) => ({ selector: `h${level}`, format: "tesseraHeading", options: { level } })),
    { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
    { selector: "img", format: "altText" },
    { selector: "table", format: "dataTable", options: { uppercaseHeaderCells: false } },
  ];
  const converted = convert(html, {
    wordwrap: false,
    formatters: { tesseraHeading: headingFormatter(marker), altText },
    selectors,
  });
  return headingsFromMarkers(normalizeText(converted), marker);
}

/** Takes the markers out of the text, and records a heading at each. */
function headingsFromMarkers(marked: string, marker: string): StructuredText {
  const pattern = new RegExp(`${marker}(\\d)${marker}`, "g");
  const headings: Heading[] = [];
  let text = "";
  let from = 0;
  for (const match of marked.matchAll(pattern)) {
    text += marked.slice(from, match.index);
    from = match.index + match[0].length;
    const offset = text.length;
    const newline = marked.indexOf("\n", from);
    const lineEnd = newline === -1 ? marked.length : newline;
    const title = headingTitle(marked.slice(from, lineEnd).replaceAll(marker, ""));
    const bodyStart = offset + (lineEnd - from) + (newline === -1 ? 0 : 1);
    if (title !== "") headings.push({ offset, bodyStart, level: Number(match[1]), title });
  }
  text += marked.slice(from);
  return { text, headings };
}
