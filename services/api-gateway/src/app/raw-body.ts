import {
  DEFAULT_RAW_CONTENT_TYPE,
  HeadersTooLargeError,
  MAX_RAW_HEADER_LENGTH,
  type RawBody,
  type RawBodyOptions,
  UnsupportedMediaTypeError,
} from "@tessera/contracts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { jsonTextParser } from "./json-body.ts";

const JSON_TYPE = "application/json";
/** `type/subtype` as RFC 9110 spells a media type: two tokens. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** A Content-Type's `type/subtype`, lower-cased; undefined when absent, null when not a media type. */
export function mediaTypeOf(contentType: string | undefined): string | null | undefined {
  if (contentType === undefined) return undefined;
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return MEDIA_TYPE.test(essence) ? essence : null;
}

/**
 * Registers a raw-body route in a scope of its own, whose only parser keeps the body as the bytes
 * received (with `jsonAlternative`, JSON goes through the JSON checks and parser instead). The
 * other routes keep the app's JSON-only parsing, and its 415 for anything else.
 */
export function inRawBodyScope(
  app: FastifyInstance,
  options: RawBodyOptions,
  register: (scope: FastifyInstance) => void,
): void {
  void app.register(async (scope) => {
    const parseJson = jsonTextParser(scope);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (request, body, done) => {
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      if (takesAsJson(options, request)) parseJson(request, bytes.toString("utf8"), done);
      else done(null, bytes);
    });
    register(scope);
  });
}

function takesAsJson(options: RawBodyOptions, request: FastifyRequest): boolean {
  return options.jsonAlternative === true && mediaTypeOf(request.headers["content-type"]) === JSON_TYPE;
}

/** What a refused type is told the route takes. */
function acceptedDetail(options: RawBodyOptions): string {
  if (options.contentTypes === "any") return "The Content-Type is not a valid media type.";
  const accepted = [...options.contentTypes, ...(options.jsonAlternative === true ? [JSON_TYPE] : [])];
  return accepted.length === 1
    ? `The request body must be ${accepted[0]}.`
    : `The request body must be one of ${accepted.join(", ")}.`;
}

/**
 * `onRequest` of a raw route: the body's type, and the size of the headers handed over, are
 * checked before a byte of the body is read. `"any"` takes every valid media type and none at all.
 */
export function checkRawRequest(options: RawBodyOptions) {
  const accepted = new Set(options.contentTypes === "any" ? [] : options.contentTypes.map(lower));
  const refused = () => new UnsupportedMediaTypeError({ detail: acceptedDetail(options) });
  return async function rawRequest(request: FastifyRequest): Promise<void> {
    bounded(request.headers["content-type"]);
    listedHeaders(request, options.headers ?? []);
    const type = mediaTypeOf(request.headers["content-type"]);
    if (type === null) throw refused();
    if (options.contentTypes === "any") return;
    if (type === undefined) throw refused();
    if (!accepted.has(type) && !(options.jsonAlternative === true && type === JSON_TYPE)) throw refused();
  };
}

/** The body as the operation receives it, or undefined when it was JSON taken as JSON. */
export function rawBodyOf(request: FastifyRequest, options: RawBodyOptions): RawBody | undefined {
  const body: unknown = request.body;
  // Without a Content-Type and with no body, Fastify runs no parser at all.
  if (body !== undefined && !Buffer.isBuffer(body)) return undefined;
  const bytes = body ?? Buffer.alloc(0);
  return {
    contentType: bounded(request.headers["content-type"]) ?? DEFAULT_RAW_CONTENT_TYPE,
    base64: bytes.toString("base64"),
    bytes: bytes.length,
    headers: listedHeaders(request, options.headers ?? []),
  };
}

function listedHeaders(request: FastifyRequest, names: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names.map(lower)) {
    const value = bounded(request.headers[name]);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** A header's value as sent (repeats joined as Node joins them), refused past `MAX_RAW_HEADER_LENGTH`. */
function bounded(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(", ") : value;
  if (text.length > MAX_RAW_HEADER_LENGTH) throw new HeadersTooLargeError();
  return text;
}

function lower(text: string): string {
  return text.toLowerCase();
}
