import { z } from "zod";
import { PageQuerySchema, pageSchema } from "./pagination.ts";
import { text, timestamp } from "./scalars.ts";

/**
 * The local mail catcher (development): emails outbound sent while no `OUTBOUND_SMTP_URL` was set,
 * as the catcher's SMTP server received and parsed them.
 */
export const CaughtMailSchema = z.object({
  id: z.uuid(),
  receivedAt: timestamp(),
  /** The SMTP envelope's recipients (`RCPT TO`). */
  envelopeTo: z.array(text()),
  from: text().nullable(),
  to: text().nullable(),
  subject: text().nullable(),
  messageId: text().nullable(),
  /** The plain-text body (at most 64 KiB of it here; the catcher's page shows all). */
  text: text().nullable(),
  hasHtml: z.boolean(),
  /** The whole message as received, in bytes. */
  size: z.number().int().min(0),
});
export type CaughtMail = z.infer<typeof CaughtMailSchema>;

export const CaughtMailQuerySchema = PageQuerySchema;

export const CaughtMailPageSchema = pageSchema(CaughtMailSchema).extend({
  /** Where the catcher runs, or null when outbound sends to a real SMTP server. */
  catcher: z.object({ smtp: text(), web: text() }).nullable(),
});
export type CaughtMailPage = z.infer<typeof CaughtMailPageSchema>;
