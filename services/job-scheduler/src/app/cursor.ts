import { ValidationError } from "@tessera/contracts";
import { z } from "zod";

/** Opaque list cursors: base64url JSON of the last item's sort key. */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor<S extends z.ZodType>(
  schema: S,
  cursor: string | undefined,
): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new ValidationError("The cursor is not valid.", [
      { field: "cursor", message: "not a cursor from this list" },
    ]);
  }
}

export const RunCursorSchema = z.object({ queuedAt: z.iso.datetime(), runId: z.uuid() });
export const ScheduleCursorSchema = z.object({ createdAt: z.iso.datetime(), scheduleId: z.uuid() });
