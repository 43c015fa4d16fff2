import type { MessageContext, SourceConfigPatch, sourcesUpdate } from "@tessera/contracts";
import type { AesKeyRing } from "@tessera/service-kit";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import type { SecretChanges } from "../domain/source.ts";
import {
  inapplicablePatchFields,
  mergeChatwootSettings,
  type SourceSettings,
} from "../domain/source-config.ts";
import { InapplicableConfigError, SourceNotFoundError } from "../domain/source-errors.ts";
import { findSource, lockSource, sourceFromRow } from "../infra/sources.ts";
import { ensureUnbound, translateBindingTaken } from "./external-binding.ts";
import { seal } from "./secret-box.ts";
import { requireSourceAdmin, runSourceCommand, type SourcesDeps } from "./sources-deps.ts";

/** The secrets a patch sets, sealed here so the domain never holds them in the clear. */
function sealedChanges(
  keys: AesKeyRing,
  sourceId: string,
  patch: SourceConfigPatch | undefined,
): SecretChanges {
  if (patch === undefined) return {};
  const { apiAccessToken, webhookSecret } = patch;
  return {
    ...(apiAccessToken === undefined ? {} : { apiToken: seal(keys, sourceId, "api-token", apiAccessToken) }),
    ...(webhookSecret === undefined
      ? {}
      : { signing: webhookSecret === null ? null : seal(keys, sourceId, "signing", webhookSecret) }),
  };
}

/**
 * `svc.ingestion.sources.update`: rename, pause or resume, or change a Chatwoot source's settings
 * (merged over the current ones; a new webhook secret leaves the previous one verifying for the
 * overlap). A changed account or inbox list must not overlap another source's.
 */
export function updateSource(deps: SourcesDeps) {
  return async (
    request: z.output<typeof sourcesUpdate.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourcesUpdate.response>> => {
    requireSourceAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const { sourceId, config } = request;
    await deps.db.transaction().execute(async (trx) => {
      // Locked, so the settings checked for bindings are the ones the command merges into.
      const row = await lockSource(trx, projectId, sourceId);
      if (!row) throw new SourceNotFoundError(sourceId);
      if (config !== undefined) {
        const inapplicable = inapplicablePatchFields(row.type, config);
        if (inapplicable.length > 0) throw new InapplicableConfigError(inapplicable);
        if (row.settings.type === "chatwoot") {
          const merged: SourceSettings = { type: "chatwoot", ...mergeChatwootSettings(row.settings, config) };
          await ensureUnbound(trx, sourceId, merged);
        }
      }
      await translateBindingTaken(() =>
        runSourceCommand(
          trx,
          {
            type: "UpdateSource",
            data: {
              projectId,
              sourceId,
              ...(request.name === undefined ? {} : { name: request.name }),
              ...(request.paused === undefined ? {} : { paused: request.paused }),
              ...(config === undefined ? {} : { config }),
              secrets: sealedChanges(deps.keys, sourceId, config),
            },
            meta: { now: deps.clock(), overlapMs: deps.settings.secretOverlapMs },
          },
          eventMetadata(ctx, { projectId }),
        ),
      );
    });
    const row = await findSource(deps.db, projectId, sourceId);
    if (!row) throw new SourceNotFoundError(sourceId);
    return sourceFromRow(row, deps.settings.publicUrl);
  };
}
