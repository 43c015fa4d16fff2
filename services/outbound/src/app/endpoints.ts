import { randomBytes, randomUUID } from "node:crypto";
import type { endpointsCreate, endpointsDelete, endpointsList, MessageContext } from "@tessera/contracts";
import { eventMetadata, openSecret, scopedProject, sealSecret } from "@tessera/service-kit";
import type { z } from "zod";
import { EndpointNotFoundError } from "../domain/errors.ts";
import type { EndpointRow } from "../infra/outbound.tables.ts";
import { endpointFromRow, findEndpoint, listEndpoints } from "../infra/queries.ts";
import { type OutboundDeps, requireAdmin, runEndpointCommand } from "./outbound-deps.ts";

/** Random bytes in a signing secret (Standard Webhooks allows 24 to 64). */
const SECRET_BYTES = 32;

function secretAad(endpointId: string): string {
  return `outbound:endpoint:${endpointId}:signing`;
}

/** The endpoint's signing secret, opened for one delivery. */
export function endpointSecret(deps: Pick<OutboundDeps, "keys">, row: EndpointRow): string {
  return openSecret(deps.keys, row.secret, secretAad(row.id));
}

/** `svc.outbound.endpoints.create`: the signing secret is in this answer and never again. */
export function createEndpoint(deps: OutboundDeps) {
  return async (
    request: z.output<typeof endpointsCreate.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof endpointsCreate.response>> => {
    requireAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const endpointId = randomUUID();
    const secret = `whsec_${randomBytes(SECRET_BYTES).toString("base64")}`;
    await deps.db.transaction().execute((trx) =>
      runEndpointCommand(
        trx,
        {
          type: "CreateEndpoint",
          data: {
            endpointId,
            projectId,
            url: request.url,
            secret: sealSecret(deps.keys.current, secret, secretAad(endpointId)),
          },
          meta: { now: deps.clock() },
        },
        eventMetadata(ctx, { projectId }),
      ),
    );
    const row = await findEndpoint(deps.db, projectId, endpointId);
    if (!row) throw new EndpointNotFoundError(endpointId);
    return { ...endpointFromRow(row), secret };
  };
}

export function listProjectEndpoints(deps: Pick<OutboundDeps, "db">) {
  return async (
    request: z.output<typeof endpointsList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof endpointsList.response>> => {
    requireAdmin(ctx);
    return listEndpoints(deps.db, scopedProject(request, ctx), request);
  };
}

export function deleteEndpoint(deps: OutboundDeps) {
  return async (request: z.output<typeof endpointsDelete.request>, ctx: MessageContext): Promise<null> => {
    requireAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    await deps.db.transaction().execute((trx) =>
      runEndpointCommand(
        trx,
        {
          type: "DeleteEndpoint",
          data: { endpointId: request.endpointId, projectId },
          meta: { now: deps.clock() },
        },
        eventMetadata(ctx, { projectId }),
      ),
    );
    return null;
  };
}
