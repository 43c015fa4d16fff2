import {
  type EventEnvelope,
  emailVerificationRequested,
  eventSubject,
  invitationCreated,
  type LinkPurpose,
  linkTokenAad,
  passwordResetRequested,
} from "@tessera/contracts";
import { type AnyDb, handleOnce } from "@tessera/eventstore";
import { type AesKeyRing, keyRingOrEphemeral, openSecret, type ServiceRuntime } from "@tessera/service-kit";
import type { OutboundConfig } from "../config.ts";
import { type EmailTemplates, loadEmailTemplates } from "../infra/templates.ts";
import type { SendSystemEmail, SystemEmail } from "./channels.ts";

export const ON_PASSWORD_RESET_REQUESTED = "platform-email-password-reset";
export const ON_EMAIL_VERIFICATION_REQUESTED = "platform-email-verification";
export const ON_INVITATION_CREATED = "platform-email-invitation";

/** Where the links of the platform's emails lead, below `OUTBOUND_APP_URL` (the console's pages). */
export const LINK_PATHS = {
  "password-reset": "/console/reset-password",
  "email-verification": "/console/verify-email",
  invitation: "/console/invitations",
} as const;

export interface PlatformEmailDeps {
  /** The outbound schema's pool: `processed_events` records each event handled. */
  readonly db: AnyDb;
  readonly schema: string;
  readonly templates: EmailTemplates;
  /** Opens the link tokens auth encrypted for outbound (`AUTH_LINK_TOKEN_KEY`). */
  readonly linkKeys: AesKeyRing;
  readonly appUrl: string;
  readonly send: SendSystemEmail;
  readonly clock: () => Date;
  readonly logger: ServiceRuntime["logger"];
}

type Handler = (envelope: EventEnvelope) => Promise<void>;

/**
 * The platform's own emails: reset and verification links (auth's events) and project
 * invitations (user's), each rendered from the repo's templates and handed to `send` as a system
 * message with the event id as its `dedupeKey`, so a redelivered or republished event is one email.
 * The producers may start after outbound: their streams are awaited in the background.
 */
export function registerPlatformEmails(
  runtime: ServiceRuntime,
  config: OutboundConfig,
  sendSystemEmail: SendSystemEmail,
  clock: () => Date = () => new Date(),
): void {
  const deps: PlatformEmailDeps = {
    db: runtime.db,
    schema: runtime.stores.schema,
    templates: loadEmailTemplates(),
    linkKeys: keyRingOrEphemeral(config.AUTH_LINK_TOKEN_KEY, "AUTH_LINK_TOKEN_KEY", runtime.logger),
    appUrl: config.OUTBOUND_APP_URL,
    send: sendSystemEmail,
    clock,
    logger: runtime.logger,
  };
  const consumers: [string, "auth" | "user", string, Handler][] = [
    [
      ON_PASSWORD_RESET_REQUESTED,
      "auth",
      passwordResetRequested.type,
      onLinkRequested(deps, "password-reset"),
    ],
    [
      ON_EMAIL_VERIFICATION_REQUESTED,
      "auth",
      emailVerificationRequested.type,
      onLinkRequested(deps, "email-verification"),
    ],
    [ON_INVITATION_CREATED, "user", invitationCreated.type, onInvitationCreated(deps)],
  ];
  for (const [name, stream, type, handler] of consumers) {
    runtime.consumeInBackground({
      name,
      stream,
      filterSubjects: [eventSubject(type)],
      handler: once(deps, name, handler),
    });
  }
}

/**
 * Each event once per consumer: its id is recorded in `processed_events` in a transaction that
 * commits after `send` returned. A crash between the two redelivers the event, and `send` finds
 * the message by its `dedupeKey`, so that too is one email.
 */
function once(deps: PlatformEmailDeps, consumer: string, handler: Handler): Handler {
  return async (envelope) => {
    await handleOnce(deps.db, { schema: deps.schema, consumer, eventId: envelope.eventId }, () =>
      handler(envelope),
    );
  };
}

/** `evt.auth.password.reset_requested` / `evt.auth.email.verification_requested` → the link email. */
export function onLinkRequested(deps: PlatformEmailDeps, purpose: LinkPurpose): Handler {
  const contract = purpose === "password-reset" ? passwordResetRequested : emailVerificationRequested;
  return async (envelope) => {
    const request = contract.data.parse(envelope.data);
    const expiresAt = new Date(request.expiresAt);
    if (expiresAt <= deps.clock()) {
      // A late delivery: a link that no longer works would only confuse.
      deps.logger.info(
        { eventId: envelope.eventId, purpose },
        "link expired before its email went out: not sent",
      );
      return;
    }
    // Throws when no key of the ring opens it: retried, then dead-lettered (the event can be replayed).
    const token = openSecret(deps.linkKeys, request.token, linkTokenAad(purpose, request.accountId));
    const validFor = duration(expiresAt.getTime() - new Date(request.requestedAt).getTime());
    const rendered = deps.templates.render(purpose, {
      recipient: request.recipient,
      link: linkTo(deps.appUrl, LINK_PATHS[purpose], { token }),
      validFor,
    });
    await deps.send(systemEmail(purpose, request.recipient, rendered, envelope));
  };
}

/** `evt.user.invitation.created` → the invitation email (the invitee signs in to answer it). */
export function onInvitationCreated(deps: PlatformEmailDeps): Handler {
  return async (envelope) => {
    const invitation = invitationCreated.data.parse(envelope.data);
    if (new Date(invitation.expiresAt) <= deps.clock()) {
      deps.logger.info(
        { eventId: envelope.eventId },
        "invitation expired before its email went out: not sent",
      );
      return;
    }
    const rendered = deps.templates.render("invitation", {
      recipient: invitation.email,
      link: linkTo(deps.appUrl, `${LINK_PATHS.invitation}/${invitation.invitationId}`),
      projectName: invitation.projectName,
      role: invitation.role,
      expiresOn: `${invitation.expiresAt.slice(0, 10)} (UTC)`,
    });
    await deps.send(systemEmail("invitation", invitation.email, rendered, envelope));
  };
}

function systemEmail(
  purpose: SystemEmail["purpose"],
  to: string,
  rendered: { subject: string; text: string; html: string },
  envelope: EventEnvelope,
): SystemEmail {
  return {
    purpose,
    to,
    ...rendered,
    dedupeKey: envelope.eventId,
    cause: { kind: envelope.type, id: envelope.eventId },
  };
}

/** `<appUrl><path>?<query>`, keeping a path the base URL already has. */
export function linkTo(appUrl: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(appUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  url.search = new URLSearchParams(query).toString();
  url.hash = "";
  return url.toString();
}

/** "30 minutes", "48 hours", "1 hour". */
function duration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 120 && minutes % 60 !== 0) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}
