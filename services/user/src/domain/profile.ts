import { ConflictError } from "@tessera/contracts";

export interface CommandMeta {
  now: Date;
}

/** The profile aggregate: one stream per user (`user-<id>`), created from the account registration. */
export type ProfileEvent = {
  type: "user.profile.created";
  data: { userId: string; email: string; createdAt: string };
};

export type ProfileState = { status: "absent" } | { status: "active"; userId: string; email: string };

export type ProfileCommand = {
  type: "CreateProfile";
  data: { userId: string; email: string };
  meta: CommandMeta;
};

export class ProfileExistsError extends ConflictError {
  override name = "ProfileExistsError";
  constructor(userId: string) {
    super("user.profile_exists", `A profile for ${userId} already exists.`);
  }
}

export function decideProfile(command: ProfileCommand, state: ProfileState): ProfileEvent[] {
  switch (command.type) {
    case "CreateProfile":
      if (state.status !== "absent") throw new ProfileExistsError(command.data.userId);
      return [
        {
          type: "user.profile.created",
          data: { ...command.data, createdAt: command.meta.now.toISOString() },
        },
      ];
    default: {
      const unknown: never = command.type;
      return unknown;
    }
  }
}

export function evolveProfile(_state: ProfileState, event: ProfileEvent): ProfileState {
  switch (event.type) {
    case "user.profile.created":
      return { status: "active", userId: event.data.userId, email: event.data.email };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export const profileDecider = {
  decide: decideProfile,
  evolve: evolveProfile,
  initialState: (): ProfileState => ({ status: "absent" }),
};

export function profileStreamId(userId: string): string {
  return `user-${userId}`;
}
