/**
 * Writes docs/asyncapi.json, the AsyncAPI 3 catalog of the bus, from `libs/contracts`.
 *
 *   npm run catalog           write the file
 *   npm run catalog -- --check  exit 1 when the committed file differs from what would be written
 */
import { readFileSync, writeFileSync } from "node:fs";
import { buildAsyncApiDocument } from "./app/asyncapi.ts";

export const CATALOG_PATH = new URL("../../../docs/asyncapi.json", import.meta.url);

/** The file's text: the document, two-space indented, with a final newline. */
export function catalogText(): string {
  return `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;
}

if (import.meta.main) {
  const text = catalogText();
  if (process.argv.includes("--check")) {
    const committed = readFileSync(CATALOG_PATH, "utf8");
    if (committed !== text) {
      console.error("docs/asyncapi.json is stale: run `npm run catalog`");
      process.exit(1);
    }
  } else {
    writeFileSync(CATALOG_PATH, text);
  }
}
