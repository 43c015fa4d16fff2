/** A JSON value, as preferences hold them. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * JSON Merge Patch (RFC 7396): objects merge key by key, `null` deletes, anything else replaces.
 * Built with Object.fromEntries so a key such as `__proto__` stays a plain own property.
 */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const merged = new Map<string, Json>(Object.entries(target));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else if (isJsonObject(value)) {
      const current = merged.get(key);
      merged.set(key, mergePatch(isJsonObject(current) ? current : {}, value));
    } else merged.set(key, value);
  }
  return Object.fromEntries(merged);
}
