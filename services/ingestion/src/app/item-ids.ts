import { createHash } from "node:crypto";

/** A UUID (version 8, RFC 9562) derived from the source and the item's stable id. */
export function itemIdFor(sourceId: string, externalId: string): string {
  const bytes = createHash("sha256").update(`tessera:ingestion-item:${sourceId}\u0000${externalId}`).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** sha256 (hex) of an item's content. */
export function contentHashOf(content: Uint8Array | string): string {
  return createHash("sha256").update(content).digest("hex");
}
