import type { MessageContext, outboundSettingsGet, outboundSettingsPut } from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { fourEyesOf } from "../infra/queries.ts";
import { type OutboundDeps, requireAdmin, runSettingsCommand } from "./outbound-deps.ts";

export function getOutboundSettings(deps: Pick<OutboundDeps, "db">) {
  return async (
    request: z.output<typeof outboundSettingsGet.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof outboundSettingsGet.response>> => ({
    fourEyes: await fourEyesOf(deps.db, scopedProject(request, ctx)),
  });
}

export function putOutboundSettings(deps: OutboundDeps) {
  return async (
    request: z.output<typeof outboundSettingsPut.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof outboundSettingsPut.response>> => {
    const actor = requireAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    await deps.db.transaction().execute((trx) =>
      runSettingsCommand(
        trx,
        {
          type: "ChangeSettings",
          data: { projectId, fourEyes: request.fourEyes },
          meta: { now: deps.clock(), actor },
        },
        eventMetadata(ctx, { projectId }),
      ),
    );
    return { fourEyes: await fourEyesOf(deps.db, projectId) };
  };
}
