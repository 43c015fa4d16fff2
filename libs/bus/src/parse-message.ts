import type { JsMsg } from "@nats-io/jetstream";
import type { z } from "zod";
import { describeError } from "./dead-letter.ts";

export type ParsedMessage<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Reads a message's JSON with `schema`. A failure names the fields that are wrong (never their
 * values, which may be personal data), e.g. `invalid job message: runId, payload`.
 */
export function parseMessage<T>(msg: JsMsg, schema: z.ZodType<T>, what: string): ParsedMessage<T> {
  let json: unknown;
  try {
    json = msg.json();
  } catch (err) {
    return { ok: false, error: `not JSON: ${describeError(err)}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const fields = result.error.issues.map((issue) => issue.path.join(".") || "(root)");
  return { ok: false, error: `invalid ${what}: ${fields.join(", ")}` };
}
