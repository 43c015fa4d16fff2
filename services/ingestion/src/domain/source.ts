import { isDeepStrictEqual } from "node:util";
import type { SourceConfigPatch, SourceType } from "@tessera/contracts";
import {
  mergeChatwootSettings,
  type PublicConfig,
  publicConfig,
  type SourceSettings,
} from "./source-config.ts";
import { SecretNotRotatableError, SourceNotFoundError } from "./source-errors.ts";
import { rotateSigning, type Sealed, type SourceSecrets } from "./source-secrets.ts";

/**
 * A source's stream. Stored events carry the settings and the sealed secrets, so the state folds
 * from them; their published contracts keep only the public configuration.
 */
export type SourceEvent =
  | {
      type: "ingestion.source.created";
      data: {
        sourceId: string;
        projectId: string;
        type: SourceType;
        name: string;
        paused: boolean;
        config: PublicConfig;
        settings: SourceSettings;
        secrets: SourceSecrets;
        createdAt: string;
      };
    }
  | {
      type: "ingestion.source.updated";
      data: {
        sourceId: string;
        projectId: string;
        type: SourceType;
        name: string;
        paused: boolean;
        config: PublicConfig;
        settings: SourceSettings;
        secrets: SourceSecrets;
        updatedAt: string;
      };
    }
  | {
      /** Private: nothing a consumer sees changes. */
      type: "ingestion.source.secret-rotated";
      data: { sourceId: string; projectId: string; secrets: SourceSecrets; rotatedAt: string };
    }
  | {
      type: "ingestion.source.deleted";
      data: { sourceId: string; projectId: string; type: SourceType; deletedAt: string };
    }
  | {
      /** A sync run finished: the source's `lastSyncAt`. */
      type: "ingestion.source.synced";
      data: SyncSummary & { sourceId: string; projectId: string; syncedAt: string };
    };

/** What one sync run did, as its event tells it. */
export interface SyncSummary {
  readonly runId: string;
  readonly conversations: number;
  readonly messages: number;
}

export interface ActiveSource {
  readonly status: "active";
  readonly sourceId: string;
  readonly projectId: string;
  readonly name: string;
  readonly paused: boolean;
  readonly settings: SourceSettings;
  readonly secrets: SourceSecrets;
}

export type SourceState =
  | { readonly status: "absent" }
  | ActiveSource
  | { readonly status: "deleted"; readonly sourceId: string; readonly projectId: string };

type Target = { projectId: string; sourceId: string };

/** Secret changes come sealed: the domain never sees a secret in the clear. */
export interface SecretChanges {
  /** A new API token (Chatwoot). */
  readonly apiToken?: Sealed;
  /** A new webhook secret (the previous one keeps verifying for the overlap), or null: none any more. */
  readonly signing?: Sealed | null;
}

export type SourceCommand =
  | {
      type: "CreateSource";
      data: Target & { name: string; settings: SourceSettings; secrets: SourceSecrets };
      meta: { now: Date };
    }
  | {
      type: "UpdateSource";
      data: Target & {
        name?: string;
        paused?: boolean;
        config?: SourceConfigPatch;
        secrets: SecretChanges;
      };
      meta: { now: Date; overlapMs: number };
    }
  | { type: "RotateSecret"; data: Target & { secret: Sealed }; meta: { now: Date; overlapMs: number } }
  | { type: "DeleteSource"; data: Target; meta: { now: Date } }
  | { type: "RecordSync"; data: Target & SyncSummary; meta: { now: Date } };

function activeIn(state: SourceState, target: Target): ActiveSource {
  if (state.status === "active" && state.projectId === target.projectId) return state;
  throw new SourceNotFoundError(target.sourceId);
}

function updatedSecrets(source: ActiveSource, changes: SecretChanges, now: Date, overlapMs: number) {
  let { signing, apiToken } = source.secrets;
  if (changes.apiToken !== undefined) apiToken = changes.apiToken;
  if (changes.signing === null) signing = null;
  else if (changes.signing !== undefined) signing = rotateSigning(signing, changes.signing, now, overlapMs);
  return { signing, apiToken };
}

function decideUpdate(
  source: ActiveSource,
  command: Extract<SourceCommand, { type: "UpdateSource" }>,
): SourceEvent[] {
  const { data, meta } = command;
  const settings: SourceSettings =
    source.settings.type === "chatwoot" && data.config !== undefined
      ? { type: "chatwoot", ...mergeChatwootSettings(source.settings, data.config) }
      : source.settings;
  const secrets = updatedSecrets(source, data.secrets, meta.now, meta.overlapMs);
  const next = { name: data.name ?? source.name, paused: data.paused ?? source.paused, settings, secrets };
  const unchanged =
    next.name === source.name &&
    next.paused === source.paused &&
    isDeepStrictEqual(settings, source.settings) &&
    isDeepStrictEqual(secrets, source.secrets);
  if (unchanged) return [];
  return [
    {
      type: "ingestion.source.updated",
      data: {
        sourceId: source.sourceId,
        projectId: source.projectId,
        type: settings.type,
        ...next,
        config: publicConfig(settings, secrets),
        updatedAt: meta.now.toISOString(),
      },
    },
  ];
}

export function decideSource(command: SourceCommand, state: SourceState): SourceEvent[] {
  const now = command.meta.now.toISOString();
  const { sourceId, projectId } = command.data;
  switch (command.type) {
    case "CreateSource": {
      // Ids are minted by the service, so a taken id can only be a replay of the same request.
      if (state.status !== "absent") return [];
      const { name, settings, secrets } = command.data;
      return [
        {
          type: "ingestion.source.created",
          data: {
            sourceId,
            projectId,
            type: settings.type,
            name,
            paused: false,
            config: publicConfig(settings, secrets),
            settings,
            secrets,
            createdAt: now,
          },
        },
      ];
    }
    case "UpdateSource":
      return decideUpdate(activeIn(state, command.data), command);
    case "RotateSecret": {
      const source = activeIn(state, command.data);
      if (source.settings.type !== "webhook") throw new SecretNotRotatableError();
      const signing = rotateSigning(
        source.secrets.signing,
        command.data.secret,
        command.meta.now,
        command.meta.overlapMs,
      );
      return [
        {
          type: "ingestion.source.secret-rotated",
          data: { sourceId, projectId, secrets: { ...source.secrets, signing }, rotatedAt: now },
        },
      ];
    }
    case "DeleteSource": {
      const source = activeIn(state, command.data);
      return [
        {
          type: "ingestion.source.deleted",
          data: { sourceId, projectId, type: source.settings.type, deletedAt: now },
        },
      ];
    }
    case "RecordSync": {
      activeIn(state, command.data);
      const { runId, conversations, messages } = command.data;
      return [
        {
          type: "ingestion.source.synced",
          data: { sourceId, projectId, runId, conversations, messages, syncedAt: now },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export function evolveSource(state: SourceState, event: SourceEvent): SourceState {
  switch (event.type) {
    case "ingestion.source.created":
    case "ingestion.source.updated": {
      const { sourceId, projectId, name, paused, settings, secrets } = event.data;
      return { status: "active", sourceId, projectId, name, paused, settings, secrets };
    }
    case "ingestion.source.secret-rotated":
      return state.status === "active" ? { ...state, secrets: event.data.secrets } : state;
    case "ingestion.source.deleted":
      return { status: "deleted", sourceId: event.data.sourceId, projectId: event.data.projectId };
    case "ingestion.source.synced":
      return state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const sourceDecider = {
  decide: decideSource,
  evolve: evolveSource,
  initialState: (): SourceState => ({ status: "absent" }),
};

export function sourceStreamId(sourceId: string): string {
  return `source-${sourceId}`;
}
