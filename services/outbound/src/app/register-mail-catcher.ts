import { mailList } from "@tessera/contracts";
import type { ServiceRuntime } from "@tessera/service-kit";
import type { OutboundConfig } from "../config.ts";
import { type MailCatcher, startMailCatcher } from "../infra/mail-catcher.ts";
import type { CatcherDb } from "../infra/mail-catcher-store.ts";
import { listCaughtMailsOperation } from "./list-caught-mails.ts";

/**
 * Without `OUTBOUND_SMTP_URL`, starts the local mail catcher and answers `svc.outbound.mail.list`
 * from its table. Returns where email should go: the configured server, or the catcher. A second
 * replica on the same machine finds the catcher's port taken and sends to the first one's.
 */
export async function registerMailCatcher(
  runtime: ServiceRuntime,
  config: OutboundConfig,
): Promise<{ smtpUrl: string; catcher: MailCatcher | null }> {
  const db = runtime.db as ServiceRuntime<CatcherDb>["db"];
  let catcher: MailCatcher | null = null;
  if (config.OUTBOUND_SMTP_URL === undefined) {
    try {
      catcher = await startMailCatcher({
        db,
        logger: runtime.logger,
        smtpPort: config.OUTBOUND_CATCHER_SMTP_PORT,
        webPort: config.OUTBOUND_CATCHER_WEB_PORT,
        maxMails: config.OUTBOUND_CATCHER_MAX_MAILS,
      });
      runtime.onStop("mail catcher", () => catcher?.close() ?? Promise.resolve());
      runtime.logger.warn(
        { smtp: catcher.smtpUrl, page: catcher.webUrl },
        `OUTBOUND_SMTP_URL is not set: emails go to the local mail catcher, shown at ${catcher.webUrl}`,
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      runtime.logger.warn(
        { port: config.OUTBOUND_CATCHER_SMTP_PORT },
        "the mail catcher's port is taken (another replica?): sending to it",
      );
    }
  }
  runtime.bus.serve(mailList, listCaughtMailsOperation({ db, catcher }));
  const smtpUrl =
    config.OUTBOUND_SMTP_URL ?? catcher?.smtpUrl ?? `smtp://127.0.0.1:${config.OUTBOUND_CATCHER_SMTP_PORT}`;
  return { smtpUrl, catcher };
}
