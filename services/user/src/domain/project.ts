import { decideAccept, decideDecline, decideExpire, decideInvite, decideRevoke } from "./invitations.ts";
import { decideChangeRole, decideCreateProject, decideRemoveErased, decideRemoveMember } from "./members.ts";
import { evolveProject, type ProjectCommand, type ProjectEvent, type ProjectState } from "./project-state.ts";

export function decideProject(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  const { now, actorId } = command.meta;
  const at = now.toISOString();
  switch (command.type) {
    case "CreateProject":
      return decideCreateProject(command.data, state, actorId, at);
    case "ChangeMemberRole":
      return decideChangeRole(command.data, state, actorId, at);
    case "RemoveMember":
      return decideRemoveMember(command.data, state, actorId, at);
    case "RemoveErasedUser":
      return decideRemoveErased(command.data, state, at);
    case "InviteMember":
      return decideInvite(command.data, state, actorId, now);
    case "RevokeInvitation":
      return decideRevoke(command.data, state, actorId, at);
    case "AcceptInvitation":
      return decideAccept(command.data, state, now);
    case "DeclineInvitation":
      return decideDecline(command.data, state, now);
    case "ExpireInvitations":
      return decideExpire(state, now);
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const projectDecider = {
  decide: decideProject,
  evolve: evolveProject,
  initialState: (): ProjectState => ({ status: "absent" }),
};
