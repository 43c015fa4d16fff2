import { JsonTooDeepError, UnsupportedCharsetError } from "@tessera/contracts";
import type { FastifyBodyParser, FastifyInstance } from "fastify";

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

/** Labels that name UTF-8 (WHATWG Encoding), compared without case. */
const UTF8_LABELS: ReadonlySet<string> = new Set(["utf-8", "utf8", "unicode-1-1-utf-8"]);

/** True when a `charset` parameter of `contentType` names anything but UTF-8; no charset is UTF-8. */
export function declaresOtherCharset(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType
    .split(";")
    .slice(1)
    .some((parameter) => {
      const separator = parameter.indexOf("=");
      if (separator === -1 || parameter.slice(0, separator).trim().toLowerCase() !== "charset") return false;
      const value = parameter
        .slice(separator + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
      return !UTF8_LABELS.has(value.toLowerCase());
    });
}

/**
 * The checks every JSON body goes through, given its text: refused with 415 when declared in a
 * charset other than UTF-8 (the body is decoded as UTF-8, so a Latin-1 one would reach services
 * silently altered); refused when nested deeper than `MAX_JSON_DEPTH` (a cheap scan of the text
 * before parsing, so a hostile body cannot exhaust a recursive validator); then Fastify's own
 * parser with `__proto__` and `constructor` keys refused.
 */
export function jsonTextParser(app: FastifyInstance): FastifyBodyParser<string> {
  const parse = app.getDefaultJsonParser("error", "error");
  return (request, text, done) => {
    if (declaresOtherCharset(request.headers["content-type"])) {
      done(new UnsupportedCharsetError(), undefined);
      return;
    }
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      done(new JsonTooDeepError(MAX_JSON_DEPTH), undefined);
      return;
    }
    parse(request, text, done);
  };
}

/** JSON bodies, through `jsonTextParser`: the only bodies a route without `rawBody` takes. */
export function useJsonBodyParser(app: FastifyInstance): void {
  const parseText = jsonTextParser(app);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    parseText(request, typeof body === "string" ? body : body.toString("utf8"), done);
  });
}
