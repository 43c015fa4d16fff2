import type { DocumentContentType } from "@tessera/contracts";
import type { StructuredText } from "../../domain/chunker.ts";
import { htmlToStructuredText } from "./html.ts";
import { jsonToStructuredText } from "./json.ts";
import { markdownToStructuredText } from "./markdown.ts";
import { pdfToStructuredText } from "./pdf.ts";
import { decodeText, normalizeText } from "./text.ts";

export interface ExtractionInput {
  readonly contentType: DocumentContentType;
  /** The declared charset of a text type; UTF-8 when none was. */
  readonly charset: string | undefined;
  readonly bytes: Uint8Array;
}

/** The document's text and headings, by its type; an `UnreadableDocumentError` says why it cannot be read. */
export async function extractStructuredText(input: ExtractionInput): Promise<StructuredText> {
  switch (input.contentType) {
    case "application/pdf":
      return pdfToStructuredText(input.bytes);
    case "text/plain":
      return { text: normalizeText(decodeText(input.bytes, input.charset)), headings: [] };
    case "text/markdown":
      return markdownToStructuredText(decodeText(input.bytes, input.charset));
    case "text/html":
      return htmlToStructuredText(decodeText(input.bytes, input.charset));
    case "application/json":
      return jsonToStructuredText(decodeText(input.bytes, input.charset));
    default: {
      const unknown: never = input.contentType;
      return unknown;
    }
  }
}
