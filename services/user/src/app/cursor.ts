import { ValidationError } from "@tessera/contracts";
import { z } from "zod";

const CursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

/** An opaque page cursor: the sort key of the last item, base64url-encoded. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id]), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    json = undefined;
  }
  const parsed = CursorSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError("The cursor is not valid.", [
      { field: "cursor", message: "not a cursor from this list" },
    ]);
  }
  return { at: new Date(parsed.data[0]), id: parsed.data[1] };
}

/** One more row than the page was read to tell whether another page follows. */
export function pageOf<T>(rows: readonly T[], limit: number, keyOf: (row: T) => { at: Date; id: string }) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor(keyOf(last).at, keyOf(last).id) : null;
  return { items, nextCursor };
}
