import type { CaughtMailPage, CaughtMailQuerySchema, MessageContext } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import type { z } from "zod";
import type { MailCatcher } from "../infra/mail-catcher.ts";
import { type CatcherDb, listCaughtMails } from "../infra/mail-catcher-store.ts";

/** `svc.outbound.mail.list`: what the local mail catcher received, newest first (platform or admins). */
export function listCaughtMailsOperation(deps: { db: Kysely<CatcherDb>; catcher: MailCatcher | null }) {
  return async (
    query: z.output<typeof CaughtMailQuerySchema>,
    ctx: MessageContext,
  ): Promise<CaughtMailPage> => {
    requirePlatformAdmin(ctx);
    const page = await listCaughtMails(deps.db, query.limit, query.cursor);
    const catcher = deps.catcher ? { smtp: deps.catcher.smtpUrl, web: deps.catcher.webUrl } : null;
    return { ...page, catcher };
  };
}
