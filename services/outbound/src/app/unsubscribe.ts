import type { MessageContext, RawBody, unsubscribeConfirm, unsubscribeShow } from "@tessera/contracts";
import type { z } from "zod";
import { findContactByTokenHash, policyFromRow } from "../infra/queries.ts";
import { OUTBOUND_ACTOR, type OutboundDeps, runContactCommand, tokenHash } from "./outbound-deps.ts";

const ONE_CLICK = "One-Click";

function page(title: string, body: string): { html: string } {
  return {
    html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body><h1>${title}</h1>${body}</body></html>
`,
  };
}

const CONFIRM = page(
  "Unsubscribe",
  `<p>Do you want to stop receiving these emails?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="${ONE_CLICK}"><button type="submit">Unsubscribe</button></form>`,
);
const DONE = page("You are unsubscribed", "<p>You will not receive these emails any more.</p>");
const INVALID = page(
  "This link is not valid",
  "<p>It may be mistyped, or its contact no longer exists. Nothing was changed.</p>",
);
const NOT_ONE_CLICK = page(
  "Nothing was changed",
  `<p>The request did not ask to unsubscribe.</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="${ONE_CLICK}"><button type="submit">Unsubscribe</button></form>`,
);

/**
 * `GET /v1/unsubscribe/{token}`: a page with a button, and no change at all, so a link scanner that
 * opens every link in a mail unsubscribes nobody (RFC 8058). An unknown token gets a page saying so.
 */
export function showUnsubscribe(deps: Pick<OutboundDeps, "db">) {
  return async (
    request: z.output<typeof unsubscribeShow.request>,
    _ctx: MessageContext,
  ): Promise<z.input<typeof unsubscribeShow.response>> => {
    const contact = await findContactByTokenHash(deps.db, tokenHash(request.token));
    return contact ? CONFIRM : INVALID;
  };
}

function isOneClick(raw: RawBody | undefined): boolean {
  if (raw === undefined) return false;
  const form = new URLSearchParams(Buffer.from(raw.base64, "base64").toString("utf8"));
  return form.get("List-Unsubscribe") === ONE_CLICK;
}

/** `POST /v1/unsubscribe/{token}` with `List-Unsubscribe=One-Click`: the contact is opted out. */
export function confirmUnsubscribe(deps: OutboundDeps) {
  return async (
    request: z.output<typeof unsubscribeConfirm.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof unsubscribeConfirm.response>> => {
    const contact = await findContactByTokenHash(deps.db, tokenHash(request.token));
    if (!contact) return INVALID;
    if (!isOneClick(request.raw)) return NOT_ONE_CLICK;
    const policy = { ...policyFromRow(contact), optedOut: true };
    await deps.db.transaction().execute((trx) =>
      runContactCommand(
        trx,
        {
          type: "SetPolicy",
          data: { contactId: contact.id, projectId: contact.project_id, policy, cause: "unsubscribe" },
          meta: { now: deps.clock(), actor: OUTBOUND_ACTOR },
        },
        { requestId: ctx.requestId, actor: OUTBOUND_ACTOR, projectId: contact.project_id },
      ),
    );
    return DONE;
  };
}
