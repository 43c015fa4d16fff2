import { MAX_RAW_HEADER_LENGTH, type RawBodyOptions, type RouteDefinition } from "@tessera/contracts";

type JsonObject = Record<string, unknown>;

const BINARY = { schema: { type: "string", format: "binary" } };

/** A raw route's body: bytes of each media type it takes, and, with `jsonAlternative`, JSON of `json`. */
export function rawRequestBody(raw: RawBodyOptions, json: JsonObject | undefined): JsonObject {
  const types = raw.contentTypes === "any" ? ["*/*"] : raw.contentTypes;
  const content: JsonObject = Object.fromEntries(types.map((type) => [type, BINARY]));
  if (raw.jsonAlternative === true && json !== undefined) content["application/json"] = { schema: json };
  return {
    description: "Handed to the service as the exact bytes received; JSON, where listed, is validated first.",
    required: raw.contentTypes !== "any",
    content,
  };
}

/** The headers a raw route hands to its service, as optional header parameters. */
export function rawHeaderParameters(route: RouteDefinition): JsonObject[] {
  return (route.rawBody?.headers ?? [])
    .filter((name) => name.toLowerCase() !== "content-type") // OpenAPI ignores it: the media types say it
    .map((name) => ({
      name,
      in: "header",
      required: false,
      description: "Handed to the service with the body, as sent.",
      schema: { type: "string", maxLength: MAX_RAW_HEADER_LENGTH },
    }));
}
