import {
  hooksReceive,
  identityHooksReceive,
  sourceItemsGet,
  sourceItemsList,
  sourceSecretsRotate,
  sourcesCreate,
  sourcesDelete,
  sourcesGet,
  sourcesList,
  sourcesSync,
  sourcesUpdate,
} from "@tessera/contracts";
import { keyRingOrEphemeral, type ServiceRuntime } from "@tessera/service-kit";
import type { IngestionConfig } from "../config.ts";
import type { SourcesDb } from "../infra/sources.tables.ts";
import { createSource } from "./create-source.ts";
import { deleteSource } from "./delete-source.ts";
import { getSourceItem, listSourceItems } from "./items.ts";
import { type DeliveryPruning, startDeliveryPruning } from "./prune-deliveries.ts";
import { getSource, listProjectSources } from "./read-sources.ts";
import { decoySecret, receiveHook } from "./receive-hook.ts";
import { decoyIdentitySecret, identityIssuers, receiveIdentityHook } from "./receive-identity-hook.ts";
import { rotateSecret } from "./rotate-secret.ts";
import type { SourcesDeps } from "./sources-deps.ts";
import { syncSource } from "./sync-source.ts";
import { updateSource } from "./update-source.ts";

const DAY_MS = 86_400_000;
/** How often expired webhook delivery ids are forgotten, in ms. */
const PRUNE_INTERVAL_MS = 3_600_000;

export interface SourcesHooks {
  /** The clock every handler of the area reads (tests move it). */
  clock?: () => Date;
  /** Set once registered: the dedupe window's pruning, which a test can run at once. */
  pruning?: DeliveryPruning;
}

/**
 * The sources area of the ingestion service: sources, items and the webhook ingress, registered in
 * one place. Returns what its handlers are built from, for the connector to share.
 */
export function registerSources(
  runtime: ServiceRuntime,
  config: IngestionConfig,
  hooks: SourcesHooks = {},
): SourcesDeps {
  const { bus, logger, onStop } = runtime;
  const db = runtime.db.withTables<SourcesDb>();
  const keys = keyRingOrEphemeral(config.INGESTION_SECRET_KEYS, "INGESTION_SECRET_KEYS", logger);
  const deps: SourcesDeps = {
    db,
    bus,
    keys,
    clock: hooks.clock ?? (() => new Date()),
    logger,
    settings: {
      publicUrl: config.INGESTION_PUBLIC_URL,
      secretOverlapMs: config.INGESTION_SECRET_OVERLAP_SECONDS * 1_000,
      dedupeWindowMs: config.INGESTION_HOOK_DEDUPE_DAYS * DAY_MS,
    },
  };

  bus.serve(sourcesCreate, createSource(deps));
  bus.serve(sourcesList, listProjectSources(deps));
  bus.serve(sourcesGet, getSource(deps));
  bus.serve(sourcesUpdate, updateSource(deps));
  bus.serve(sourcesDelete, deleteSource(deps));
  bus.serve(sourceSecretsRotate, rotateSecret(deps));
  bus.serve(sourcesSync, syncSource(deps));
  bus.serve(sourceItemsList, listSourceItems(deps));
  bus.serve(sourceItemsGet, getSourceItem(deps));
  bus.serve(hooksReceive, receiveHook({ ...deps, decoy: decoySecret(keys) }));
  bus.serve(
    identityHooksReceive,
    receiveIdentityHook({
      db,
      clock: deps.clock,
      logger,
      issuers: identityIssuers(config.IDENTITY_HOOK_ISSUERS),
      decoySecret: decoyIdentitySecret(),
      dedupeWindowMs: deps.settings.dedupeWindowMs,
      deletePublished: (copies) => bus.deletePublished(copies),
    }),
  );

  const pruning = startDeliveryPruning({
    db,
    clock: deps.clock,
    windowMs: deps.settings.dedupeWindowMs,
    intervalMs: PRUNE_INTERVAL_MS,
    logger,
  });
  hooks.pruning = pruning;
  onStop("webhook delivery pruning", () => pruning.stop());
  return deps;
}
