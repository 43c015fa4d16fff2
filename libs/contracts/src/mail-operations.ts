import { CaughtMailPageSchema, CaughtMailQuerySchema } from "./mail-schemas.ts";
import { defineOperation } from "./messaging.ts";

/** Emails the local mail catcher received, newest first (the platform itself or a platform admin). */
export const mailList = defineOperation({
  service: "outbound",
  name: "mail.list",
  request: CaughtMailQuerySchema,
  response: CaughtMailPageSchema,
});
