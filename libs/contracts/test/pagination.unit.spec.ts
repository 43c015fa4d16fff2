import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH, pageOf, ValidationError } from "../src/index.ts";

const KeySchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });
const rows = [1, 2, 3, 4, 5].map((n) => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  created_at: new Date(Date.UTC(2026, 0, n)),
}));
const keyOf = (row: (typeof rows)[number]) => ({ createdAt: row.created_at.toISOString(), id: row.id });

function cursorError(cursor: string): unknown {
  try {
    decodeCursor(KeySchema, cursor);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("keyset pagination", () => {
  it("gives back the key of the last item shown when the next page is asked for", () => {
    const page = pageOf(rows.slice(0, 3), 2, (row) => row.id, keyOf);
    expect(page.items).toEqual([rows[0]?.id, rows[1]?.id]);
    expect(decodeCursor(KeySchema, page.nextCursor ?? undefined)).toEqual({
      createdAt: "2026-01-02T00:00:00.000Z",
      id: rows[1]?.id,
    });
  });

  it("walks every row exactly once and ends with a null cursor", () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let request = 0; request < 10; request += 1) {
      const after = decodeCursor(KeySchema, cursor);
      const remaining = after ? rows.filter((row) => row.id > after.id) : rows;
      const page = pageOf(remaining.slice(0, 3), 2, (row) => row.id, keyOf);
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(rows.map((row) => row.id));
  });

  it("has a null cursor when the rows fit in the page exactly", () => {
    expect(pageOf(rows.slice(0, 2), 2, (row) => row.id, keyOf)).toEqual({
      items: [rows[0]?.id, rows[1]?.id],
      nextCursor: null,
    });
    expect(pageOf([], 2, (row: (typeof rows)[number]) => row.id, keyOf)).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("reads no cursor as the first page", () => {
    expect(decodeCursor(KeySchema, undefined)).toBeUndefined();
  });

  it.each([
    ["not base64url JSON", Buffer.from("not-a-cursor").toString("base64url")],
    ["JSON of another shape", encodeCursor({ at: "2026-01-01T00:00:00.000Z" })],
    ["a key with a tampered id", encodeCursor({ createdAt: "2026-01-01T00:00:00.000Z", id: "1 OR 1=1" })],
    ["characters outside base64url", "eyJ9!!"],
    ["longer than the limit", "A".repeat(MAX_CURSOR_LENGTH + 1)],
  ])("refuses a cursor that is %s with a 400 naming the cursor", (_, cursor) => {
    const error = cursorError(cursor);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      status: 400,
      code: "validation.failed",
      errors: [expect.objectContaining({ field: "cursor" })],
    });
  });
});
