import type { ChatwootConfig, SourceConfigPatch, SourceType } from "@tessera/contracts";
import type { SourceSecrets } from "./source-secrets.ts";

/** A Chatwoot source's configuration without its secrets (those are in `SourceSecrets`). */
export interface ChatwootSettings {
  readonly baseUrl: string;
  readonly accountId: number;
  /** Sorted, unique; null: every inbox of the account. */
  readonly inboxIds: readonly number[] | null;
  readonly schedule: string | null;
}

export type SourceSettings =
  | { readonly type: "webhook" }
  | { readonly type: "upload" }
  | ({ readonly type: "chatwoot" } & ChatwootSettings);

/** The configuration as members see it (and as events carry it). */
export type PublicConfig = ChatwootConfig | Record<string, never>;

export function publicConfig(settings: SourceSettings, secrets: SourceSecrets): PublicConfig {
  if (settings.type !== "chatwoot") return {};
  return {
    baseUrl: settings.baseUrl,
    accountId: settings.accountId,
    inboxIds: settings.inboxIds === null ? null : [...settings.inboxIds],
    schedule: settings.schedule,
    webhookSecretSet: secrets.signing !== null,
  };
}

/** The fields of a configuration patch a source of this type does not have. */
export function inapplicablePatchFields(type: SourceType, patch: SourceConfigPatch): string[] {
  if (type === "chatwoot") return [];
  return Object.keys(patch).map((field) => `config.${field}`);
}

/** The settings after a patch: left-out fields stay, `null` clears an optional one. Secrets aside. */
export function mergeChatwootSettings(current: ChatwootSettings, patch: SourceConfigPatch): ChatwootSettings {
  return {
    baseUrl: patch.baseUrl ?? current.baseUrl,
    accountId: patch.accountId ?? current.accountId,
    inboxIds: patch.inboxIds === undefined ? current.inboxIds : patch.inboxIds,
    schedule: patch.schedule === undefined ? current.schedule : patch.schedule,
  };
}

/**
 * Which Chatwoot installation a base URL names, whatever its spelling: host (lower-case, IDN as
 * punycode), a port only when it is not the scheme's default, and the path without trailing slashes.
 * The scheme is left out: `http://` and `https://` of one host are the same installation.
 */
export function chatwootInstallation(baseUrl: string): string {
  const parsed = new URL(baseUrl);
  const path = parsed.pathname.replace(/\/+$/, "");
  return `${parsed.host}${path}`;
}

/** Every inbox of an account, as a binding scope. */
export const ALL_INBOXES = "*";

/**
 * What a Chatwoot source binds, so that no two sources (in one project or two) read the same
 * conversations: the account of an installation, and in it either every inbox (`*`) or the listed
 * ones. Two bindings of one account conflict when either is `*` or they share an inbox.
 */
export interface ExternalBinding {
  readonly accountKey: string;
  readonly scopes: readonly string[];
}

export function externalBinding(settings: SourceSettings): ExternalBinding | null {
  if (settings.type !== "chatwoot") return null;
  return {
    accountKey: `chatwoot:${chatwootInstallation(settings.baseUrl)}#${settings.accountId}`,
    scopes: settings.inboxIds === null ? [ALL_INBOXES] : settings.inboxIds.map(String),
  };
}

export function bindingsConflict(wanted: readonly string[], taken: readonly string[]): boolean {
  if (wanted.length === 0 || taken.length === 0) return false;
  if (wanted.includes(ALL_INBOXES) || taken.includes(ALL_INBOXES)) return true;
  return wanted.some((scope) => taken.includes(scope));
}
