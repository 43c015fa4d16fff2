import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newSigningSecret } from "../src/app/secret-box.ts";
import { signedDelivery, verifyChatwootWebhook, verifyStandardWebhook } from "../src/infra/signatures.ts";

// The Standard Webhooks libraries' published test vector.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const AT_VECTOR = new Date(Number(VECTOR.timestamp) * 1000);
const vectorDelivery = { id: VECTOR.id, timestamp: VECTOR.timestamp, signature: VECTOR.signature };
const body = (text: string) => Buffer.from(text, "utf8");

const verifies = (
  delivery: { id: string; timestamp: string; signature: string },
  payload: Buffer,
  now: Date = AT_VECTOR,
  secrets: string[] = [VECTOR.secret],
) => verifyStandardWebhook(secrets, delivery, payload, now);

describe("Standard Webhooks verification", () => {
  it("verifies the spec libraries' published vector at its own time", () => {
    expect(verifies(vectorDelivery, body(VECTOR.payload))).toBe(true);
  });

  it("refuses the vector when one byte of the body changes", () => {
    const changed = body(VECTOR.payload);
    changed[changed.length - 2] = "5".charCodeAt(0);
    expect(verifies(vectorDelivery, changed)).toBe(false);
    expect(verifies(vectorDelivery, Buffer.concat([body(VECTOR.payload), body(" ")]))).toBe(false);
  });

  it("refuses the same JSON serialised again (same value, other bytes)", () => {
    const reserialised = JSON.stringify(JSON.parse(VECTOR.payload));
    expect(reserialised).not.toBe(VECTOR.payload);
    expect(verifies(vectorDelivery, body(reserialised))).toBe(false);
  });

  it("takes a timestamp up to five minutes old or ahead, and refuses one a second further either way", () => {
    const payload = body(VECTOR.payload);
    const at = (offsetSeconds: number) => new Date(AT_VECTOR.getTime() + offsetSeconds * 1000);
    expect(verifies(vectorDelivery, payload, at(300))).toBe(true);
    expect(verifies(vectorDelivery, payload, at(-300))).toBe(true);
    expect(verifies(vectorDelivery, payload, at(301))).toBe(false);
    expect(verifies(vectorDelivery, payload, at(-301))).toBe(false);
    expect(verifies(vectorDelivery, payload, at(3 * 86_400))).toBe(false);
  });

  it("passes when any one of several space-separated signatures is valid and ignores other versions", () => {
    const valid = VECTOR.signature.slice("v1,".length);
    const offered = ["v1,bm90IGl0", `v2,${valid}`, "v1a,whatever", VECTOR.signature, "v1,"].join(" ");
    expect(verifies({ ...vectorDelivery, signature: offered }, body(VECTOR.payload))).toBe(true);
    // The right digest under an unknown version counts for nothing.
    expect(verifies({ ...vectorDelivery, signature: `v2,${valid} v1,bm90IGl0` }, body(VECTOR.payload))).toBe(
      false,
    );
  });

  it("verifies with any secret of the set (a rotation's overlap) and with none other", () => {
    const other = newSigningSecret();
    expect(verifies(vectorDelivery, body(VECTOR.payload), AT_VECTOR, [other, VECTOR.secret])).toBe(true);
    expect(verifies(vectorDelivery, body(VECTOR.payload), AT_VECTOR, [other])).toBe(false);
    expect(verifies(vectorDelivery, body(VECTOR.payload), AT_VECTOR, [])).toBe(false);
  });

  it("refuses a malformed timestamp and a changed id", () => {
    const payload = body(VECTOR.payload);
    expect(verifies({ ...vectorDelivery, timestamp: "1614265330.0" }, payload)).toBe(false);
    expect(verifies({ ...vectorDelivery, timestamp: "-1614265330" }, payload)).toBe(false);
    expect(verifies({ ...vectorDelivery, id: `${VECTOR.id}x` }, payload)).toBe(false);
  });

  it("refuses a body that is not UTF-8, which the library cannot sign byte for byte", () => {
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d]);
    const other = Buffer.from([0x7b, 0xfe, 0x7d]);
    // Decoded, both are "{\uFFFD}": a signature over the text would verify either.
    const signature = new Webhook(VECTOR.secret).sign(VECTOR.id, AT_VECTOR, notUtf8.toString("utf8"));
    expect(verifies({ ...vectorDelivery, signature }, other)).toBe(false);
    expect(verifies({ ...vectorDelivery, signature }, notUtf8)).toBe(false);
  });

  it("reads the webhook-* headers, or the svix-* ones when those are what was sent", () => {
    const svix = { "svix-id": "a", "svix-timestamp": "1", "svix-signature": "v1,x" };
    expect(signedDelivery(svix)).toEqual({ id: "a", timestamp: "1", signature: "v1,x" });
    const both = { ...svix, "webhook-id": "b", "webhook-timestamp": "2", "webhook-signature": "v1,y" };
    expect(signedDelivery(both)).toEqual({ id: "b", timestamp: "2", signature: "v1,y" });
    expect(signedDelivery({ "webhook-id": "b", "webhook-timestamp": "2" })).toBeNull();
  });

  it("makes signing secrets of whsec_ and 32 random bytes that the spec's library accepts", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
    const now = new Date();
    const signature = new Webhook(secret).sign("msg_1", now, "{}");
    expect(
      verifyStandardWebhook(
        [secret],
        { id: "msg_1", timestamp: String(Math.floor(now.getTime() / 1000)), signature },
        body("{}"),
        now,
      ),
    ).toBe(true);
  });
});

describe("Chatwoot's webhook signature", () => {
  const secret = "cw-webhook-secret";
  const now = new Date("2030-01-01T00:00:00Z");
  const timestamp = String(now.getTime() / 1000);
  const payload = body('{"event":"message_created","id":7}');
  const signature = `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(payload).digest("hex")}`;
  const headers = { "x-chatwoot-signature": signature, "x-chatwoot-timestamp": timestamp };

  it("verifies sha256= HMAC over {timestamp}.{body} with the webhook's secret", () => {
    expect(verifyChatwootWebhook([secret], headers, payload, now)).toBe(true);
    expect(verifyChatwootWebhook(["another", secret], headers, payload, now)).toBe(true);
  });

  it("refuses another secret, a changed byte, a missing header and a stale or future timestamp", () => {
    expect(verifyChatwootWebhook(["another"], headers, payload, now)).toBe(false);
    expect(verifyChatwootWebhook([secret], headers, body('{"event":"message_created","id":8}'), now)).toBe(
      false,
    );
    expect(verifyChatwootWebhook([secret], { "x-chatwoot-signature": signature }, payload, now)).toBe(false);
    expect(verifyChatwootWebhook([secret], headers, payload, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyChatwootWebhook([secret], headers, payload, new Date(now.getTime() - 301_000))).toBe(false);
  });
});
