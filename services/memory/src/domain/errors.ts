import { ConflictError, NotFoundError, ValidationError } from "@tessera/contracts";

export class MemoryNotFoundError extends NotFoundError {
  override name = "MemoryNotFoundError";
  constructor(memoryId: string) {
    super("memory.not_found", `Memory ${memoryId} does not exist in this project.`);
  }
}

export class MemoryExistsError extends ConflictError {
  override name = "MemoryExistsError";
  constructor(memoryId: string) {
    super("memory.exists", `Memory ${memoryId} already exists.`);
  }
}

export class MemorySupersededError extends ConflictError {
  override name = "MemorySupersededError";
  constructor(memoryId: string, supersededBy: string) {
    super("memory.superseded", `Memory ${memoryId} was superseded by ${supersededBy}; revise that one.`);
  }
}

export class CollectionNotFoundError extends NotFoundError {
  override name = "CollectionNotFoundError";
  constructor(collectionId: string) {
    super("memory.collection_not_found", `Collection ${collectionId} does not exist in this project.`);
  }
}

export class CollectionNameTakenError extends ConflictError {
  override name = "CollectionNameTakenError";
  constructor(name: string, options: { cause?: unknown } = {}) {
    super("memory.collection_name_taken", `A collection named "${name}" already exists.`, options);
  }
}

/** A validity window that ends before it begins. */
export class ValidityWindowError extends ValidationError {
  override name = "ValidityWindowError";
  constructor(validFrom: string) {
    super("A memory cannot stop being valid before it starts.", [
      { field: "validTo", message: `must not be before validFrom (${validFrom})` },
    ]);
  }
}
