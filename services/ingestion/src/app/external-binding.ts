import type { Transaction } from "kysely";
import { bindingsConflict, externalBinding, type SourceSettings } from "../domain/source-config.ts";
import { ExternalSourceTakenError } from "../domain/source-errors.ts";
import type { SourcesDb } from "../infra/sources.tables.ts";
import { boundScopes, isBindingTaken, lockExternalAccount } from "../infra/sources.ts";

/**
 * Refuses settings whose external account (or an inbox of it) another source already reads, in
 * any project. Checked under a lock on the account that lasts until the transaction commits, so
 * two sources cannot both pass the check; the unique binding index backs it up.
 */
export async function ensureUnbound(
  trx: Transaction<SourcesDb>,
  sourceId: string,
  settings: SourceSettings,
): Promise<void> {
  const binding = externalBinding(settings);
  if (binding === null) return;
  await lockExternalAccount(trx, binding.accountKey);
  const taken = await boundScopes(trx, binding.accountKey, sourceId);
  if (bindingsConflict(binding.scopes, taken)) throw new ExternalSourceTakenError();
}

/** Runs `work`, answering a binding the unique index refused as taken (409). */
export async function translateBindingTaken<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isBindingTaken(error)) throw new ExternalSourceTakenError({ cause: error });
    throw error;
  }
}
