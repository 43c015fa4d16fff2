import { createHmac, timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** How far a signed timestamp may be from the receiver's clock, either way (Standard Webhooks). */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** The delivery headers of a Standard Webhooks request: `webhook-*`, or Svix's `svix-*` spelling. */
export interface SignedDelivery {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
}

type Headers = Readonly<Record<string, string>>;

function headerSet(headers: Headers, prefix: "webhook" | "svix"): SignedDelivery | null {
  const id = headers[`${prefix}-id`];
  const timestamp = headers[`${prefix}-timestamp`];
  const signature = headers[`${prefix}-signature`];
  if (!id || !timestamp || !signature) return null;
  return { id, timestamp, signature };
}

/** The `webhook-*` set when complete, else the `svix-*` set, else null. */
export function signedDelivery(headers: Headers): SignedDelivery | null {
  return headerSet(headers, "webhook") ?? headerSet(headers, "svix");
}

/** Whole seconds since the epoch within the tolerance of `now`; anything else is refused. */
function freshTimestamp(value: string, now: Date): number | null {
  if (!/^\d{1,12}$/.test(value)) return null;
  const seconds = Number(value);
  const drift = Math.abs(now.getTime() / 1000 - seconds);
  return drift <= TIMESTAMP_TOLERANCE_SECONDS ? seconds : null;
}

function sameText(expected: string, given: string): boolean {
  const left = Buffer.from(expected, "utf8");
  const right = Buffer.from(given, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The body as text exactly as received, or null when it is not well-formed UTF-8. The
 * `standardwebhooks` library signs a string; only a body that survives decoding byte for byte is
 * signed over its exact bytes that way, so any other body cannot verify.
 */
function exactText(body: Buffer): string | null {
  const text = body.toString("utf8");
  return Buffer.from(text, "utf8").equals(body) ? text : null;
}

/**
 * Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` with any of `secrets` (`whsec_…`), against
 * any `v1,` signature of the space-separated list (other versions are ignored), compared in constant
 * time, with the timestamp within ±5 minutes of `now`. The signature itself is the
 * `standardwebhooks` library's; the clock is the caller's, so tests can stand at any time.
 */
export function verifyStandardWebhook(
  secrets: readonly string[],
  delivery: SignedDelivery,
  body: Buffer,
  now: Date,
): boolean {
  const seconds = freshTimestamp(delivery.timestamp, now);
  const text = exactText(body);
  const offered = delivery.signature
    .split(" ")
    .map((entry) => entry.split(","))
    .flatMap(([version, signature]) => (version === "v1" && signature ? [signature] : []));
  let verified = false;
  for (const secret of secrets) {
    const expected = new Webhook(secret)
      .sign(delivery.id, new Date((seconds ?? 0) * 1000), text ?? "")
      .slice("v1,".length);
    for (const signature of offered) verified = sameText(expected, signature) || verified;
  }
  return verified && seconds !== null && text !== null;
}

/**
 * Chatwoot's own webhooks: `X-Chatwoot-Signature: sha256=<hex>` of HMAC-SHA256 over
 * `{timestamp}.{body}` (the exact bytes) with the webhook's secret, `X-Chatwoot-Timestamp` within
 * the same ±5 minutes.
 */
export function verifyChatwootWebhook(
  secrets: readonly string[],
  headers: Headers,
  body: Buffer,
  now: Date,
): boolean {
  const timestamp = headers["x-chatwoot-timestamp"] ?? "";
  const signature = headers["x-chatwoot-signature"] ?? "";
  const seconds = freshTimestamp(timestamp, now);
  let verified = false;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
    verified = sameText(`sha256=${expected}`, signature) || verified;
  }
  return verified && seconds !== null;
}
