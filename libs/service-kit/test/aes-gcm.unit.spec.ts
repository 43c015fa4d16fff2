import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyRing, openSecret, parseAesKeyRing, SecretUnreadableError, sealSecret } from "../src/aes-gcm.ts";

const key = (keyId: string) => ({ keyId, key: randomBytes(32) });

describe("AES-256-GCM secrets with key rotation", () => {
  it("seals with the newest key and still opens what an older key of the ring sealed", () => {
    const old = key("2026-01");
    const current = key("2026-11");
    const sealedBefore = sealSecret(old, "provider token", "aad");
    const ring = keyRing([current, old]);
    const sealedNow = sealSecret(ring.current, "provider token", "aad");
    expect(sealedNow.keyId).toBe("2026-11");
    expect(openSecret(ring, sealedBefore, "aad")).toBe("provider token");
    expect(openSecret(ring, sealedNow, "aad")).toBe("provider token");
  });

  it("refuses a retired key, other associated data and a flipped bit", () => {
    const current = key("k2");
    const sealed = sealSecret(current, "secret", "purpose-a");
    expect(() => openSecret(keyRing([key("k3")]), sealed, "purpose-a")).toThrow(SecretUnreadableError);
    expect(() => openSecret(keyRing([current]), sealed, "purpose-b")).toThrow(SecretUnreadableError);
    const bytes = Buffer.from(sealed.ciphertext, "base64url");
    bytes[14] = (bytes[14] ?? 0) ^ 1;
    expect(() =>
      openSecret(keyRing([current]), { ...sealed, ciphertext: bytes.toString("base64url") }, "purpose-a"),
    ).toThrow(SecretUnreadableError);
  });

  it("parses a comma-separated ring, newest first", () => {
    const a = randomBytes(32).toString("base64url");
    const b = randomBytes(32).toString("base64url");
    const ring = parseAesKeyRing(`new.1:${a},old-0:${b}`);
    expect(ring.current.keyId).toBe("new.1");
    expect([...ring.keys.keys()]).toEqual(["new.1", "old-0"]);
    expect(() => parseAesKeyRing("no-key")).toThrow(TypeError);
  });
});
