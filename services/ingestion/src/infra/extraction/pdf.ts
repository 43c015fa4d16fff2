import { extractText, getDocumentProxy } from "unpdf";
import type { Heading, StructuredText } from "../../domain/chunker.ts";
import { UnreadableDocumentError } from "../../domain/document-errors.ts";
import { normalizeText } from "./text.ts";

const PAGE_BREAK = "\n\n";

function reasonOf(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") return "the PDF is password-protected";
  if (name === "InvalidPDFException") return "the content is not a readable PDF";
  return `the PDF could not be read (${error instanceof Error ? error.message : String(error)})`;
}

/**
 * A PDF's text with `unpdf` (pdf.js), page after page. Each page is a section titled `page N`, so
 * a chunk never spans pages and its heading path says where it is. A PDF of scanned images has no
 * text: that fails the document like any unreadable one.
 */
export async function pdfToStructuredText(bytes: Uint8Array): Promise<StructuredText> {
  let pages: string[];
  try {
    const pdf = await getDocumentProxy(bytes, { verbosity: 0, useSystemFonts: false });
    try {
      ({ text: pages } = await extractText(pdf, { mergePages: false }));
    } finally {
      // The proxy's own destroy() is missing from unpdf's build; the loading task frees the document.
      await pdf.loadingTask.destroy();
    }
  } catch (error) {
    throw new UnreadableDocumentError(reasonOf(error), { cause: error });
  }
  const headings: Heading[] = [];
  let text = "";
  for (const [index, page] of pages.entries()) {
    if (index > 0) text += PAGE_BREAK;
    headings.push({ offset: text.length, bodyStart: text.length, level: 1, title: `page ${index + 1}` });
    text += normalizeText(page);
  }
  return { text, headings };
}
