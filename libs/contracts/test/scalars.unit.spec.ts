import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { fieldErrorsFromZod, json, jsonObject, text, timestamp, url } from "../src/index.ts";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
const BAD = ["nul\u0000here", "high\uD800", "\uDC00low", "pair\uDC00\uD800reversed"];
const GOOD = ["plain", "emoji 😀", "accents éàü", "CJK 漢字", ""];

function fields(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : fieldErrorsFromZod(parsed.error).map((error) => error.field);
}

describe("the contract's scalar types", () => {
  it("refuse NUL and ill-formed UTF-16, and keep everything else", () => {
    for (const bad of BAD) {
      expect(text().safeParse(bad).success, JSON.stringify(bad)).toBe(false);
      expect(url().safeParse(`https://example.com/${bad}`).success, JSON.stringify(bad)).toBe(false);
    }
    for (const good of GOOD) expect(text().safeParse(good).success).toBe(true);
    expect(text().safeParse("nul\u0000").error?.issues[0]?.message).toBe("must not contain NUL characters");
    expect(text().safeParse("\uD800").error?.issues[0]?.message).toMatch(/well-formed Unicode/);
  });

  it("refuse a bad string at any depth of a JSON value, naming where it is", () => {
    expect(fields(json(), { a: [1, { b: "\u0000" }] })).toEqual(["a.1.b"]);
    expect(fields(jsonObject(), { "k\uD800": 1 })).toContain("k\uFFFD");
    expect(fields(jsonObject(), { fine: { nested: ["ok", 2, null, true] } })).toEqual([]);
  });

  it("refuse times before year 1 or after year 9999 in UTC, whatever the offset", () => {
    for (const bad of ["0000-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"]) {
      expect(timestamp().safeParse(bad).success, bad).toBe(false);
    }
    for (const good of ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "2026-12-01T10:00:00+05:30"]) {
      expect(timestamp().safeParse(good).success, good).toBe(true);
    }
  });

  // What makes it whole-class: a field built another way would skip the checks above.
  it("are the only way the contracts build a string, a URL, a JSON value or a time", () => {
    const raw = /\bz\s*\.\s*(string|url|json|iso\s*\.\s*datetime)\s*\(/g;
    const found = readdirSync(src)
      .filter((file) => file.endsWith(".ts") && file !== "scalars.ts")
      .flatMap((file) =>
        [...readFileSync(join(src, file), "utf8").matchAll(raw)].map((match) => `${file}: ${match[0]}`),
      );
    expect(found).toEqual([]);
  });
});
