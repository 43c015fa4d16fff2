import { AesKeyRingConfigSchema, baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

/** The outbound service's settings, parsed once from the environment by `main.ts`. */
export const outboundConfigSchema = baseServiceConfig.extend({
  /** Base URL of links in emails (reset, verify, invitation, unsubscribe). @default http://127.0.0.1:8080 */
  OUTBOUND_APP_URL: z.url().default("http://127.0.0.1:8080"),
  /** Sender address of every email. @default "Tessera <no-reply@tessera.local>" */
  OUTBOUND_FROM: z.string().min(3).max(320).default("Tessera <no-reply@tessera.local>"),
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
});

export type OutboundConfig = DeepReadonly<z.output<typeof outboundConfigSchema>>;
