import type { SealedSecret } from "@tessera/service-kit";
import { EndpointNotFoundError } from "./errors.ts";

type Target = { endpointId: string; projectId: string };

/** A webhook endpoint's stream; its signing secret is stored sealed (AES key ring), never in the clear. */
export type EndpointEvent =
  | {
      type: "outbound.endpoint.created";
      data: Target & { url: string; secret: SealedSecret; createdAt: string };
    }
  | { type: "outbound.endpoint.disabled"; data: Target & { reason: string; disabledAt: string } }
  | { type: "outbound.endpoint.deleted"; data: Target & { deletedAt: string } };

export type EndpointState =
  | { readonly status: "absent" }
  | (Target & { readonly status: "active" | "disabled" })
  | (Target & { readonly status: "deleted" });

export type EndpointCommand =
  | { type: "CreateEndpoint"; data: Target & { url: string; secret: SealedSecret }; meta: { now: Date } }
  | { type: "DisableEndpoint"; data: Target & { reason: string }; meta: { now: Date } }
  | { type: "DeleteEndpoint"; data: Target; meta: { now: Date } };

export function endpointStreamId(endpointId: string): string {
  return `outbound-endpoint:${endpointId}`;
}

function present(state: EndpointState, target: Target) {
  if ((state.status === "active" || state.status === "disabled") && state.projectId === target.projectId)
    return state;
  throw new EndpointNotFoundError(target.endpointId);
}

export const endpointDecider = {
  decide(command: EndpointCommand, state: EndpointState): EndpointEvent[] {
    const at = command.meta.now.toISOString();
    const { endpointId, projectId } = command.data;
    switch (command.type) {
      case "CreateEndpoint":
        if (state.status !== "absent") return [];
        return [{ type: "outbound.endpoint.created", data: { ...command.data, createdAt: at } }];
      case "DisableEndpoint":
        if (present(state, command.data).status === "disabled") return [];
        return [
          {
            type: "outbound.endpoint.disabled",
            data: { endpointId, projectId, reason: command.data.reason, disabledAt: at },
          },
        ];
      case "DeleteEndpoint":
        present(state, command.data);
        return [{ type: "outbound.endpoint.deleted", data: { endpointId, projectId, deletedAt: at } }];
    }
  },
  evolve(state: EndpointState, event: EndpointEvent): EndpointState {
    const { endpointId, projectId } = event.data;
    switch (event.type) {
      case "outbound.endpoint.created":
        return { status: "active", endpointId, projectId };
      case "outbound.endpoint.disabled":
        return state.status === "active" ? { ...state, status: "disabled" } : state;
      case "outbound.endpoint.deleted":
        return { status: "deleted", endpointId, projectId };
    }
  },
  initialState: (): EndpointState => ({ status: "absent" }),
};

/** The project's outbound settings, one small stream per project. */
export type SettingsEvent = {
  type: "outbound.settings.changed";
  data: { projectId: string; fourEyes: boolean; actor: string; changedAt: string };
};
export type SettingsCommand = {
  type: "ChangeSettings";
  data: { projectId: string; fourEyes: boolean };
  meta: { now: Date; actor: string };
};
export type SettingsState = { readonly fourEyes: boolean };

export function settingsStreamId(projectId: string): string {
  return `outbound-settings:${projectId}`;
}

export const settingsDecider = {
  decide(command: SettingsCommand, state: SettingsState): SettingsEvent[] {
    if (command.data.fourEyes === state.fourEyes) return [];
    return [
      {
        type: "outbound.settings.changed",
        data: { ...command.data, actor: command.meta.actor, changedAt: command.meta.now.toISOString() },
      },
    ];
  },
  evolve: (_state: SettingsState, event: SettingsEvent): SettingsState => ({ fourEyes: event.data.fourEyes }),
  initialState: (): SettingsState => ({ fourEyes: false }),
};
