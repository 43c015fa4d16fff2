import type { MessageContext, sourceSecretsRotate } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { newSigningSecret, seal } from "./secret-box.ts";
import { requireSourceAdmin, runSourceCommand, type SourcesDeps } from "./sources-deps.ts";

/**
 * `svc.ingestion.source-secrets.rotate`: a new signing secret for a webhook source, shown in this
 * answer only; the one it replaces keeps verifying until `previousValidUntil`, so senders can switch.
 */
export function rotateSecret(deps: SourcesDeps) {
  return async (
    request: z.output<typeof sourceSecretsRotate.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourceSecretsRotate.response>> => {
    requireSourceAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const { sourceId } = request;
    const secret = newSigningSecret();
    const now = deps.clock();
    await runSourceCommand(
      deps.db,
      {
        type: "RotateSecret",
        data: { projectId, sourceId, secret: seal(deps.keys, sourceId, "signing", secret) },
        meta: { now, overlapMs: deps.settings.secretOverlapMs },
      },
      eventMetadata(ctx, { projectId }),
    );
    return {
      secret,
      previousValidUntil: new Date(now.getTime() + deps.settings.secretOverlapMs).toISOString(),
    };
  };
}
