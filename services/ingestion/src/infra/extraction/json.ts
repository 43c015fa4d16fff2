import type { Heading, StructuredText } from "../../domain/chunker.ts";
import { UnreadableDocumentError } from "../../domain/document-errors.ts";
import { headingTitle } from "./markdown.ts";
import { normalizeText } from "./text.ts";

/** Deepest nesting of arrays and objects in a JSON document that is flattened (the outermost is 1); deeper ones fail. @default 64 */
export const JSON_DEPTH_MAX = 64;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Strings a bare line would misrepresent: control characters, quotes, edge spaces, nothing at all. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_QUOTES = /[\u0000-\u001f"]|^\s|\s$|^$/;

function keyPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function scalar(value: unknown): string {
  if (typeof value === "string") return NEEDS_QUOTES.test(value) ? JSON.stringify(value) : value;
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object" && value !== null) return "{}";
  return JSON.stringify(value);
}

function children(value: unknown): [string | number, unknown][] {
  if (Array.isArray(value)) return value.map((item, index) => [index, item]);
  if (typeof value === "object" && value !== null) return Object.entries(value);
  return [];
}

/**
 * JSON flattened to one `key.path[0].leaf: value` line per leaf, in document order. Each top-level
 * key (or element) is a section, so chunks do not mix them and carry the key as their heading path.
 */
export function jsonToStructuredText(source: string): StructuredText {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw new UnreadableDocumentError(
      `the content is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      {
        cause: error,
      },
    );
  }
  const lines: string[] = [];
  const headings: Heading[] = [];
  let length = 0;
  const emit = (line: string): void => {
    const normalized = normalizeText(line);
    lines.push(normalized);
    length += normalized.length + 1;
  };
  const top = children(value);
  if (top.length === 0) emit(scalar(value));
  for (const [key, item] of top) {
    headings.push({ offset: length, bodyStart: length, level: 1, title: headingTitle(keyPath("", key)) });
    flatten(keyPath("", key), item, 2, emit);
  }
  return { text: lines.join("\n"), headings };
}

/** Depth-first without recursion, so a deep document cannot exhaust the stack. */
function flatten(path: string, value: unknown, depth: number, emit: (line: string) => void): void {
  const stack: { path: string; value: unknown; depth: number }[] = [{ path, value, depth }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    if (entry.depth > JSON_DEPTH_MAX) {
      throw new UnreadableDocumentError(`the JSON is nested deeper than ${JSON_DEPTH_MAX} levels`);
    }
    const nested = children(entry.value);
    if (nested.length === 0) {
      emit(`${entry.path}: ${scalar(entry.value)}`);
      continue;
    }
    for (let index = nested.length - 1; index >= 0; index -= 1) {
      const [key, item] = nested[index] as [string | number, unknown];
      stack.push({ path: keyPath(entry.path, key), value: item, depth: entry.depth + 1 });
    }
  }
}
