import { EgressAllowHostsSchema } from "@tessera/egress";
import { AesKeyRingConfigSchema, baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

const port = () => z.coerce.number().int().min(0).max(65_535);

/** The channels (SMTP, signed webhooks), the local mail catcher and the platform's own emails. */
const channelSettings = {
  /**
   * `smtp://[user:pass@]host:port` or `smtps://…` (TLS from the first byte). Unset: outbound starts
   * the local mail catcher and sends to it (development).
   */
  OUTBOUND_SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: "must be smtp://[user:pass@]host:port or smtps://…" })
    .optional(),
  /** Sender of every email, `address` or `Name <address>`; its domain names the `Message-ID`s. */
  OUTBOUND_FROM: z
    .string()
    .max(320)
    .regex(/^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, "must be address or Name <address>")
    .default("Tessera <no-reply@tessera.localhost>"),
  /** Public base URL of links in emails (the gateway, which serves the console under `/console/`). */
  OUTBOUND_APP_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:8080"),
  /** Opening an SMTP connection, its greeting, and silence on it, each in ms. @default 30_000 */
  OUTBOUND_SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** One webhook delivery, from the call to the last byte of the answer, in ms. @default 15_000 */
  OUTBOUND_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** The longest `Retry-After` a webhook receiver may ask for, in seconds. @default 3_600 (1 h) */
  OUTBOUND_RETRY_AFTER_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3_600),
  /** Comma-separated `host[:port]` or CIDR the egress guard lets webhooks reach. @default none */
  EGRESS_ALLOW_HOSTS: EgressAllowHostsSchema,
  /**
   * The key(s) auth encrypts reset and verification tokens with, newest first (auth's current key,
   * then retired ones while their links live). Unset: a random key per process, which cannot open
   * auth's tokens (platform emails are then skipped with a warning).
   */
  AUTH_LINK_TOKEN_KEY: AesKeyRingConfigSchema.optional(),
  /** The mail catcher's SMTP port on 127.0.0.1 (without `OUTBOUND_SMTP_URL`); 0 = any free port. @default 1025 */
  OUTBOUND_CATCHER_SMTP_PORT: port().default(1025),
  /** The mail catcher's web page on 127.0.0.1; 0 = any free port. @default 8025 */
  OUTBOUND_CATCHER_WEB_PORT: port().default(8025),
  /** Captured mails kept; the oldest go first. @default 500 */
  OUTBOUND_CATCHER_MAX_MAILS: z.coerce.number().int().min(1).max(10_000).default(500),
};

/** Contacts, endpoints and messages. */
const messageSettings = {
  /**
   * Key ring sealing endpoint signing secrets and unsubscribe tokens at rest, newest first. Unset: a
   * random key per process, with a warning (development only: they do not survive a restart).
   */
  OUTBOUND_SECRET_KEYS: AesKeyRingConfigSchema.optional(),
  /**
   * Key of the blind index that matches a reply's email to a contact (HMAC-SHA256), at least 32
   * characters. Changing it unmatches every existing contact until its email is set again. Unset: a
   * random key per process, with a warning (development only).
   */
  OUTBOUND_EMAIL_INDEX_KEY: z.string().min(32).max(512).optional(),
  /**
   * How often approved messages whose delivery run is missing (the scheduler was down when they were
   * approved) are queued again, in ms. @default 60_000
   */
  OUTBOUND_REQUEUE_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
};

/** The outbound service's settings, parsed once from the environment by `main.ts`. */
export const outboundConfigSchema = baseServiceConfig.extend({ ...channelSettings, ...messageSettings });

export type OutboundConfig = DeepReadonly<z.output<typeof outboundConfigSchema>>;
