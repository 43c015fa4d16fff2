import { hiddenResponseFields, type RouteDefinition } from "@tessera/contracts";
import { z } from "zod";

type JsonObject = Record<string, unknown>;

/** The body a client sees: without the fields the gateway moves into a cookie or `Location`. */
export function publicBody(route: RouteDefinition): z.ZodType | null {
  const hidden = hiddenResponseFields(route);
  if (route.response === null || hidden.length === 0 || !(route.response instanceof z.ZodObject)) {
    return route.response;
  }
  const shown = Object.entries(route.response.shape).filter(([field]) => !hidden.includes(field));
  return shown.length === 0 ? null : z.object(Object.fromEntries(shown));
}

/** A redirect route answering JSON by default may also send the browser on, tokens in cookies. */
export function frontEndRedirect(route: RouteDefinition): JsonObject {
  if (route.respond !== "redirect" || route.successStatus === 302) return {};
  return {
    "302": {
      description:
        "Redirect to the configured front-end: on success the tokens are set as cookies; on failure the problem's code is in the `error` query parameter.",
      headers: { Location: { schema: { type: "string", format: "uri" } } },
    },
  };
}
