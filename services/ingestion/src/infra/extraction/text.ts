import { TextDecoder } from "node:util";
import { UnreadableDocumentError } from "../../domain/document-errors.ts";

/** Control characters Postgres and the contract refuse or that carry nothing readable (tab and newline stay). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * The text every parser hands on: line breaks as `\n`, no control characters, well-formed UTF-16.
 * Chunk offsets count into this text.
 */
export function normalizeText(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(CONTROL, "").toWellFormed();
}

/** `bytes` decoded in `charset` (UTF-8 when none was declared); bytes that are not valid in it fail the document. */
export function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? "utf-8", { fatal: true });
  } catch (error) {
    throw new UnreadableDocumentError(`the charset "${charset}" is not one this service knows`, {
      cause: error,
    });
  }
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new UnreadableDocumentError(`the content is not valid ${decoder.encoding}`, { cause: error });
  }
}
