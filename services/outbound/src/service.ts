import { OUTBOUND_EVENTS } from "@tessera/contracts";
import { type Logger, type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { registerPlatformEmails } from "./app/platform-emails.ts";
import { registerMailCatcher } from "./app/register-mail-catcher.ts";
import { type OutboundHooks, registerOutbound } from "./app/register-outbound.ts";
import type { OutboundConfig } from "./config.ts";
import { outboundStores } from "./infra/event-store.ts";
import * as createOutbound from "./infra/migrations/2026_12_01_5001_create_outbound.ts";
import * as createCaughtMails from "./infra/migrations/2026_12_01_9001_create_caught_mails.ts";
import { createSmtpChannel } from "./infra/smtp-channel.ts";
import { createWebhookChannel } from "./infra/webhook-channel.ts";

export interface OutboundServiceHooks extends OutboundHooks {
  logger?: Logger;
}

/**
 * The `outbound` service: contacts and policies, endpoints, messages through approval and
 * delivery over SMTP (or the local mail catcher) and signed webhooks, and the platform's own emails.
 */
export function outboundService(config: OutboundConfig, hooks: OutboundServiceHooks = {}): ServiceDefinition {
  return {
    service: "outbound",
    stores: outboundStores,
    migrations: {
      "2026_12_01_5001_create_outbound": createOutbound,
      "2026_12_01_9001_create_caught_mails": createCaughtMails,
    },
    publishes: OUTBOUND_EVENTS,
    register: async (runtime) => {
      const { smtpUrl } = await registerMailCatcher(runtime, config);
      const channels = {
        email:
          hooks.email ??
          createSmtpChannel({
            url: smtpUrl,
            from: config.OUTBOUND_FROM,
            timeoutMs: config.OUTBOUND_SMTP_TIMEOUT_MS,
          }),
        webhook:
          hooks.webhook ??
          createWebhookChannel({
            allow: config.EGRESS_ALLOW_HOSTS,
            timeoutMs: config.OUTBOUND_WEBHOOK_TIMEOUT_MS,
            maxRetryAfterMs: config.OUTBOUND_RETRY_AFTER_MAX_SECONDS * 1_000,
          }),
      };
      const { sendSystemEmail } = await registerOutbound(runtime, config, Object.assign(hooks, channels));
      registerPlatformEmails(runtime, config, sendSystemEmail, hooks.clock);
    },
  };
}

export function startOutboundService(
  config: OutboundConfig,
  hooks: OutboundServiceHooks = {},
): Promise<RunningService> {
  return startService(outboundService(config, hooks), config, hooks.logger ? { logger: hooks.logger } : {});
}
