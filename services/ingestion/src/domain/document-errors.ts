import { ConflictError, NotFoundError, TesseraError } from "@tessera/contracts";

export class DocumentNotFoundError extends NotFoundError {
  override name = "DocumentNotFoundError";
  constructor(documentId: string) {
    super("ingestion.document_not_found", `Document ${documentId} does not exist in this project.`);
  }
}

export class DocumentSourceNotFoundError extends NotFoundError {
  override name = "DocumentSourceNotFoundError";
  constructor(sourceId: string) {
    super("ingestion.source_not_found", `Source ${sourceId} does not exist in this project.`);
  }
}

export class DocumentTooLargeError extends TesseraError {
  override name = "DocumentTooLargeError";
  constructor(bytes: number, maxBytes: number) {
    super(
      "ingestion.document_too_large",
      413,
      `The document has ${bytes} bytes; this service accepts at most ${maxBytes}.`,
    );
  }
}

export class DocumentTypeUnsupportedError extends TesseraError {
  override name = "DocumentTypeUnsupportedError";
  constructor(contentType: string, accepted: readonly string[]) {
    super(
      "ingestion.unsupported_document_type",
      415,
      `Documents of type ${contentType} are not accepted; send one of ${accepted.join(", ")}.`,
    );
  }
}

/**
 * Why a document's content cannot be read (not valid UTF-8, not JSON, not a PDF, no text at all).
 * Not an answer to a request: the document's status becomes `failed` with this as its reason.
 */
export class UnreadableDocumentError extends Error {
  override name = "UnreadableDocumentError";
  readonly reason: string;
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(reason, { cause: options.cause });
    this.reason = reason;
  }
}

export class DocumentExistsError extends ConflictError {
  override name = "DocumentExistsError";
  constructor(documentId: string) {
    super("ingestion.document_exists", `Document ${documentId} already exists.`);
  }
}
