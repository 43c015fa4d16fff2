import { JsonTooDeepError } from "@tessera/contracts";
import type { FastifyInstance } from "fastify";

/** Deepest nesting of arrays and objects accepted in a JSON body. @default 32 */
export const MAX_JSON_DEPTH = 32;

/** How deep `text` nests `[` and `{` outside strings; stops counting once past `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) depth -= 1;
  }
  return false;
}

/**
 * JSON bodies: refused when nested deeper than `MAX_JSON_DEPTH` (a cheap scan of the text before
 * parsing, so a hostile body cannot exhaust a recursive validator), then Fastify's own parser with
 * `__proto__` and `constructor` keys refused.
 */
export function useJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      done(new JsonTooDeepError(MAX_JSON_DEPTH), undefined);
      return;
    }
    parse(request, text, done);
  });
}
