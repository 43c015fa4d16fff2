import { randomUUID } from "node:crypto";
import type { MessageContext, sourcesCreate } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import type { SourceSettings } from "../domain/source-config.ts";
import { SourceNotFoundError } from "../domain/source-errors.ts";
import type { SourceSecrets } from "../domain/source-secrets.ts";
import { findSource, hookUrlOf, sourceFromRow } from "../infra/sources.ts";
import { ensureUnbound, translateBindingTaken } from "./external-binding.ts";
import { newSigningSecret, seal } from "./secret-box.ts";
import { requireSourceAdmin, runSourceCommand, type SourcesDeps } from "./sources-deps.ts";

type CreateRequest = z.output<typeof sourcesCreate.request>;

interface InitialSetup {
  readonly settings: SourceSettings;
  readonly secrets: SourceSecrets;
  /** A webhook source's signing secret, in the clear for this one answer. */
  readonly shownSecret: string | null;
}

function initialSetup(deps: SourcesDeps, sourceId: string, request: CreateRequest): InitialSetup {
  switch (request.type) {
    case "webhook": {
      const secret = newSigningSecret();
      const signing = { current: seal(deps.keys, sourceId, "signing", secret), previous: [] };
      return { settings: { type: "webhook" }, secrets: { signing, apiToken: null }, shownSecret: secret };
    }
    case "chatwoot": {
      const { config } = request;
      const settings: SourceSettings = {
        type: "chatwoot",
        baseUrl: config.baseUrl,
        accountId: config.accountId,
        inboxIds: config.inboxIds ?? null,
        schedule: config.schedule ?? null,
      };
      const signing =
        config.webhookSecret === undefined
          ? null
          : { current: seal(deps.keys, sourceId, "signing", config.webhookSecret), previous: [] };
      const apiToken = seal(deps.keys, sourceId, "api-token", config.apiAccessToken);
      return { settings, secrets: { signing, apiToken }, shownSecret: null };
    }
    case "upload":
      return { settings: { type: "upload" }, secrets: { signing: null, apiToken: null }, shownSecret: null };
  }
}

/**
 * `svc.ingestion.sources.create`: a webhook source gets a signing secret, shown in this answer
 * and never again; a Chatwoot source's account and inboxes must not feed another source already.
 */
export function createSource(deps: SourcesDeps) {
  return async (
    request: CreateRequest,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourcesCreate.response>> => {
    requireSourceAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const sourceId = randomUUID();
    const { settings, secrets, shownSecret } = initialSetup(deps, sourceId, request);
    await deps.db.transaction().execute(async (trx) => {
      await ensureUnbound(trx, sourceId, settings);
      await translateBindingTaken(() =>
        runSourceCommand(
          trx,
          {
            type: "CreateSource",
            data: { projectId, sourceId, name: request.name, settings, secrets },
            meta: { now: deps.clock() },
          },
          eventMetadata(ctx, { projectId }),
        ),
      );
    });
    const row = await findSource(deps.db, projectId, sourceId);
    if (!row) throw new SourceNotFoundError(sourceId);
    const source = sourceFromRow(row, deps.settings.publicUrl);
    if (source.type !== "webhook") return source;
    if (shownSecret === null) throw new TypeError("a webhook source was created without its secret");
    return { ...source, webhook: { url: hookUrlOf(deps.settings.publicUrl, sourceId), secret: shownSecret } };
  };
}
