import { describe, expect, it } from "vitest";
import { mergePatch } from "../src/domain/merge-patch.ts";

describe("preferences merge patch (RFC 7396)", () => {
  it("merges objects, deletes null keys and replaces arrays and scalars", () => {
    expect(
      mergePatch(
        { a: "b", c: { d: "e", f: "g" }, list: [1, 2] },
        { a: "z", c: { f: null, h: 1 }, list: [3], n: { x: null, y: true } },
      ),
    ).toEqual({ a: "z", c: { d: "e", h: 1 }, list: [3], n: { y: true } });
  });

  it("keeps a __proto__ key as plain data without touching prototypes", () => {
    const merged = mergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Reflect.get({}, "polluted")).toBeUndefined();
    expect(Object.keys(merged)).toEqual(["__proto__"]);
  });
});
