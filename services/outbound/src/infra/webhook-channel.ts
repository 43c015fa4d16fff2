import {
  createEgressClient,
  type EgressAllowList,
  EgressConnectionError,
  EgressRefusedError,
  type EgressResponse,
  EgressResponseTooLargeError,
  EgressTimeoutError,
} from "@tessera/egress";
import { Webhook } from "standardwebhooks";
import type { DeliveryResult, WebhookChannel, WebhookDelivery } from "../app/channels.ts";

export interface WebhookChannelOptions {
  /** Targets allowed although not public (`EGRESS_ALLOW_HOSTS`). @default [] */
  readonly allow?: EgressAllowList;
  /** One delivery, from the call to the last byte of the answer, in ms. @default 15_000 */
  readonly timeoutMs?: number;
  /** The longest `Retry-After` honoured, in ms; a longer one is cut to this. @default 3_600_000 (1 h) */
  readonly maxRetryAfterMs?: number;
  /** The clock of `webhook-timestamp` and of `Retry-After` dates. @default () => new Date() */
  readonly clock?: () => Date;
}

/** A receiver's answer body is not needed: read at most this much. */
const RESPONSE_MAX_BYTES = 64 * 1024;

/**
 * Signed webhook deliveries per Standard Webhooks, through the egress guard: `POST` of
 * `{ type, timestamp, data }` with `webhook-id` (the delivery id, stable across retries),
 * `webhook-timestamp` and one `v1,` signature per secret. Redirects are never followed.
 */
export function createWebhookChannel(options: WebhookChannelOptions = {}): WebhookChannel {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 3_600_000;
  const clock = options.clock ?? (() => new Date());
  const client = createEgressClient({
    allow: options.allow ?? [],
    totalTimeoutMs: timeoutMs,
    connectTimeoutMs: Math.min(5_000, timeoutMs),
    maxResponseBytes: RESPONSE_MAX_BYTES,
    userAgent: "tessera-webhooks",
  });

  return {
    async send(delivery: WebhookDelivery): Promise<DeliveryResult> {
      // An endpoint always has a secret; without one a receiver could not tell us from anyone.
      if (delivery.secrets.length === 0)
        return { outcome: "failed", error: "the endpoint has no signing secret" };
      const now = clock();
      // Whole seconds: the signed timestamp and the body's must be the same instant.
      const at = new Date(Math.floor(now.getTime() / 1000) * 1000);
      const body = JSON.stringify({
        type: delivery.eventType,
        timestamp: at.toISOString(),
        data: delivery.payload,
      });
      let response: EgressResponse;
      try {
        response = await client.request({
          method: "POST",
          url: delivery.url,
          headers: {
            "content-type": "application/json",
            "webhook-id": delivery.deliveryId,
            "webhook-timestamp": String(at.getTime() / 1000),
            "webhook-signature": signatures(delivery, at, body),
          },
          body,
        });
      } catch (error) {
        return failureOf(error);
      }
      return resultOf(response, maxRetryAfterMs, clock());
    },
    async close() {},
  };
}

function signatures(delivery: WebhookDelivery, at: Date, body: string): string {
  return delivery.secrets.map((secret) => new Webhook(secret).sign(delivery.deliveryId, at, body)).join(" ");
}

function resultOf(response: EgressResponse, maxRetryAfterMs: number, now: Date): DeliveryResult {
  const code = response.status;
  if (code >= 200 && code < 300) return { outcome: "sent", code };
  if (code >= 300 && code < 400) {
    return { outcome: "failed", code, error: `HTTP ${code}: redirects are not followed` };
  }
  if (code === 410) return { outcome: "gone", code, error: "HTTP 410: the endpoint is gone" };
  if (code === 429 || code >= 500) {
    const retryAfterMs = retryAfterMsOf(response.headers["retry-after"], now, maxRetryAfterMs);
    return {
      outcome: "retry",
      code,
      error: `HTTP ${code}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return { outcome: "failed", code, error: `HTTP ${code}` };
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`, at most `maxMs`. */
export function retryAfterMsOf(header: string | undefined, now: Date, maxMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  let ms: number;
  if (/^\d{1,10}$/.test(value)) ms = Number(value) * 1000;
  else {
    // HTTP dates (IMF-fixdate, RFC 850, asctime) all start with a day name.
    const at = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(0, ms), maxMs);
}

function failureOf(error: unknown): DeliveryResult {
  if (error instanceof EgressRefusedError) {
    return { outcome: "failed", error: `refused by the egress guard (${error.reason}): ${error.message}` };
  }
  if (error instanceof EgressTimeoutError || error instanceof EgressConnectionError) {
    return { outcome: "retry", error: error.message };
  }
  if (error instanceof EgressResponseTooLargeError) {
    // The receiver answered; its status was not kept, and a retry would meet the same body.
    return { outcome: "retry", error: error.message };
  }
  throw error;
}
