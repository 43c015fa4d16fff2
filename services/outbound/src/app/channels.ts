/**
 * The seam between the message pipeline (states, attempts, retries) and the transports that
 * carry a message out (SMTP, signed webhooks). The pipeline records an attempt before it calls a
 * channel and records the channel's result after; a channel never touches the event store.
 */

/** One email, ready to go: the pipeline has resolved the contact, the policy and the links. */
export interface EmailDelivery {
  /** The message's id; the `Message-ID` header is derived from it, so a re-send is recognisable. */
  readonly messageId: string;
  readonly to: string;
  readonly toName?: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /**
   * The one-click unsubscribe URL (`<OUTBOUND_APP_URL>/v1/unsubscribe/<token>`); it becomes the
   * `List-Unsubscribe` and `List-Unsubscribe-Post` headers (RFC 8058). Absent on the platform's own
   * emails (password reset, verification, invitations), which a person cannot opt out of.
   */
  readonly unsubscribeUrl?: string;
}

/** One signed webhook delivery to a project endpoint. */
export interface WebhookDelivery {
  /** Stable across retries of the same message: the `webhook-id` the receiver de-duplicates on. */
  readonly deliveryId: string;
  readonly url: string;
  /** The endpoint's signing secrets (`whsec_…`), newest first; each signs (`v1,…` space-separated). */
  readonly secrets: readonly string[];
  readonly eventType: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * What one attempt came to:
 * - `sent`: accepted (SMTP 250, HTTP 2xx); `providerMessageId` where the far side named one;
 * - `retry`: worth trying again (SMTP 4xx, connection failures, HTTP 429/5xx, time-outs), after
 *   `retryAfterMs` when the far side said so (`Retry-After`);
 * - `failed`: will not succeed by trying again (SMTP 5xx, HTTP 3xx/4xx, a refused address);
 * - `gone`: the endpoint asked to be forgotten (HTTP 410): failed, and the endpoint is disabled.
 */
export interface DeliveryResult {
  readonly outcome: "sent" | "retry" | "failed" | "gone";
  /** SMTP reply code or HTTP status, when there was one. */
  readonly code?: number;
  readonly providerMessageId?: string;
  /** A short reason for a person, never a secret, a token or a body. */
  readonly error?: string;
  readonly retryAfterMs?: number;
}

export interface EmailChannel {
  send(delivery: EmailDelivery): Promise<DeliveryResult>;
  close(): Promise<void>;
}

export interface WebhookChannel {
  send(delivery: WebhookDelivery): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/**
 * One of the platform's own emails (password reset, email verification, project invitation),
 * rendered and addressed. It becomes a system message: no approval, no contact, no unsubscribe
 * link, recorded and delivered like any other message.
 */
export interface SystemEmail {
  readonly purpose: "password-reset" | "email-verification" | "invitation";
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** One logical email, one message, however often its event is delivered (e.g. the event id). */
  readonly dedupeKey: string;
  /** The event that asked for it: the message's evidence and the causation of its events. */
  readonly cause: { readonly kind: string; readonly id: string };
}

/** Creates (or finds, by `dedupeKey`) the system message for `email` and queues its delivery. */
export type SendSystemEmail = (email: SystemEmail) => Promise<void>;
