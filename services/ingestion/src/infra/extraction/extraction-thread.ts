import { parentPort } from "node:worker_threads";
import { chunkText } from "../../domain/chunker.ts";
import { UnreadableDocumentError } from "../../domain/document-errors.ts";
import { extractStructuredText } from "./extract.ts";
import type { ExtractionReply, ExtractionRequest } from "./extractor.ts";

/**
 * The extraction thread: parsing (HTML, PDF) and chunking a large document take hundreds of
 * milliseconds of CPU, which must not stall the service's event loop. One job at a time.
 */
async function run(request: ExtractionRequest): Promise<ExtractionReply> {
  try {
    const doc = await extractStructuredText(request.input);
    return { id: request.id, ok: true, text: doc.text, chunks: chunkText(doc, request.chunking) };
  } catch (error) {
    // The same bytes fail the same way every time: an unreadable document, not a retry.
    const reason =
      error instanceof UnreadableDocumentError
        ? error.reason
        : `the document could not be read (${error instanceof Error ? error.message : String(error)})`;
    return { id: request.id, ok: false, reason };
  }
}

parentPort?.on("message", (request: ExtractionRequest) => {
  void run(request).then((reply) => parentPort?.postMessage(reply));
});
