import { z } from "zod";

/** The size of a value as UTF-8 JSON, in bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/** A JSON object (string keys of at most 256 characters) whose UTF-8 JSON is at most `maxBytes`. */
export function jsonObjectOfAtMost(maxBytes: number) {
  return z
    .record(z.string().max(256), z.json())
    .refine((value) => jsonBytes(value) <= maxBytes, `must be at most ${maxBytes} bytes as JSON`);
}
