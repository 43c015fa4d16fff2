import {
  ConflictError,
  NotFoundError,
  TesseraError,
  type TesseraErrorOptions,
  UnauthorizedError,
  ValidationError,
} from "@tessera/contracts";

export class SourceNotFoundError extends NotFoundError {
  override name = "SourceNotFoundError";
  constructor(sourceId: string) {
    super("ingestion.source_not_found", `Source ${sourceId} does not exist in this project.`);
  }
}

export class ItemNotFoundError extends NotFoundError {
  override name = "ItemNotFoundError";
  constructor(itemId: string) {
    super("ingestion.item_not_found", `Item ${itemId} does not exist in this source.`);
  }
}

/** The Chatwoot account (or one of its inboxes) already feeds a source, in this project or another. */
export class ExternalSourceTakenError extends ConflictError {
  override name = "ExternalSourceTakenError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "ingestion.external_source_taken",
      "This Chatwoot account, or one of the inboxes named, is already connected to a source.",
      options,
    );
  }
}

export class SecretNotRotatableError extends ConflictError {
  override name = "SecretNotRotatableError";
  constructor() {
    super(
      "ingestion.secret_not_rotatable",
      "Only a webhook source has a signing secret to rotate; a Chatwoot source's webhook secret is set in its config.",
    );
  }
}

export class SyncUnsupportedError extends ConflictError {
  override name = "SyncUnsupportedError";
  constructor() {
    super("ingestion.sync_unsupported", "Only a Chatwoot source syncs; other sources receive their items.");
  }
}

export class SourcePausedError extends ConflictError {
  override name = "SourcePausedError";
  constructor() {
    super("ingestion.source_paused", "The source is paused; resume it first.");
  }
}

/** No worker runs `ingestion.sync` yet (the connector is not deployed): nothing was queued. */
export class SyncUnavailableError extends TesseraError {
  override name = "SyncUnavailableError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "ingestion.sync_unavailable",
      503,
      "No worker runs Chatwoot syncs on this platform yet; nothing was queued.",
      options,
    );
  }
}

/**
 * Whatever failed (signature, timestamp, headers, a paused or unknown source): one answer, so a
 * caller learns nothing about which sources exist or how they are set up.
 */
export class HookUnverifiedError extends UnauthorizedError {
  override name = "HookUnverifiedError";
  constructor() {
    super("ingestion.hook_unverified", "The webhook could not be verified.");
  }
}

/** A verified Chatwoot webhook whose body is not the JSON Chatwoot sends. */
export class MalformedChatwootHookError extends ValidationError {
  override name = "MalformedChatwootHookError";
  constructor(reason: string) {
    super("The Chatwoot webhook body is not a Chatwoot event.", [{ field: "body", message: reason }]);
  }
}

/** A configuration patch naming fields this type of source does not have. */
export class InapplicableConfigError extends ValidationError {
  override name = "InapplicableConfigError";
  constructor(fields: string[]) {
    super(
      "This type of source has no configuration.",
      fields.map((field) => ({ field, message: "not a setting of this type of source" })),
    );
  }
}
