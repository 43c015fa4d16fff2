import { z } from "zod";

/**
 * The contract's scalar types. Every string, URL, JSON value and time of every schema is built from
 * these (a unit test holds the sources to it), so a new field cannot forget what Postgres cannot
 * store: a NUL character, ill-formed UTF-16 (a lone surrogate), a time outside the stored range.
 * Each is refused as a field-level validation error (400), never met as a 500 in a query.
 */

const NUL = "\u0000";
const NUL_MESSAGE = "must not contain NUL characters";
const SURROGATE_MESSAGE = "must be well-formed Unicode (no lone surrogates)";

/** Why Postgres could not store this string, or undefined. */
export function unstorableReason(value: string): string | undefined {
  if (value.includes(NUL)) return NUL_MESSAGE;
  if (!value.isWellFormed()) return SURROGATE_MESSAGE;
  return undefined;
}

const storable = (value: string): boolean => unstorableReason(value) === undefined;
const storableCheck = { error: (issue: { input: unknown }) => unstorableReason(String(issue.input)) };

/** A string Postgres can store. Chain `.min()`, `.max()`, `.trim()`, `.regex()` on it as on `z.string()`. */
export function text(): z.ZodString {
  return z.string().refine(storable, storableCheck);
}

/** An absolute URL Postgres can store (`z.url()` alone lets a NUL through, percent-encoding it only when parsed). */
export function url(): z.ZodURL {
  return z.url().refine(storable, storableCheck);
}

const JsonValueSchema = z
  .json()
  .superRefine((value, ctx) => {
    for (const { path, reason } of unstorableStrings(value)) {
      ctx.addIssue({ code: "custom", path, message: reason, input: value });
    }
  })
  .meta({ id: "JsonValue", description: "Any JSON value." });

/** Any JSON value whose strings, at any depth and in keys too, Postgres can store (one schema, `JsonValue`). */
export function json(): z.ZodJSONSchema {
  return JsonValueSchema;
}

/** A JSON object with keys of at most 256 characters and storable values, at any depth. */
export function jsonObject() {
  return z.record(text().max(256), json());
}

/** Every string (value or key) in a JSON value that Postgres could not store, with its path. */
export function unstorableStrings(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; reason: string }[] {
  if (typeof value === "string") {
    const reason = unstorableReason(value);
    return reason === undefined ? [] : [{ path, reason }];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorableStrings(item, [...path, index]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => {
      const reason = unstorableReason(key);
      const own = reason === undefined ? [] : [{ path: [...path, key], reason: `key ${reason}` }];
      return [...own, ...unstorableStrings(item, [...path, key])];
    });
  }
  return [];
}

/**
 * The earliest and latest instants accepted: Postgres has no year 0 (`0000-…` is out of its
 * range), and four-digit years keep every time printable as RFC 3339 after conversion to UTC.
 */
export const EARLIEST_TIME = "0001-01-01T00:00:00.000Z";
export const LATEST_TIME = "9999-12-31T23:59:59.999Z";
const EARLIEST_MS = Date.parse(EARLIEST_TIME);
const LATEST_MS = Date.parse(LATEST_TIME);

/** An RFC 3339 time (any offset) between `EARLIEST_TIME` and `LATEST_TIME`, as UTC. */
export function timestamp() {
  return z.iso.datetime({ offset: true }).refine(
    (value) => {
      const ms = Date.parse(value);
      return ms >= EARLIEST_MS && ms <= LATEST_MS;
    },
    { error: `must be between ${EARLIEST_TIME} and ${LATEST_TIME}` },
  );
}

/** The size of a value as UTF-8 JSON, in bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/** `jsonObject()` whose UTF-8 JSON is at most `maxBytes`. */
export function jsonObjectOfAtMost(maxBytes: number) {
  return jsonObject().refine(
    (value) => jsonBytes(value) <= maxBytes,
    `must be at most ${maxBytes} bytes as JSON`,
  );
}
