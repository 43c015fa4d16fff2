import openapiTS, { astToString } from "openapi-typescript";

/**
 * The TypeScript types that openapi-typescript generates for a client of an OpenAPI 3.1 document
 * (`paths`, `components`, `operations`), as source text.
 *
 * This lib exists for its dependencies: openapi-typescript builds its output with TypeScript 5's
 * compiler API, which the repository's TypeScript 7 (a native compiler) does not have, so its own
 * TypeScript 5 sits here, out of every other workspace's way.
 */
export async function clientTypesOf(document: object): Promise<string> {
  // As JSON text: openapi-typescript rewrites a document object it is handed in place.
  return astToString(await openapiTS(JSON.stringify(document)));
}
