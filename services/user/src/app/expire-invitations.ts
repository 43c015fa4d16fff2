import { eventMetadata, systemActor, systemContext } from "@tessera/service-kit";
import { projectsWithExpiredInvitations } from "../infra/invitations.ts";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";

/** Projects swept in one run; the next run takes the rest. @default 100 */
const PROJECTS_PER_SWEEP = 100;

/**
 * Ends the invitations whose time is up (`user.invitation.expired`), destroying each one's key with
 * it: reads treat them as expired at once, this makes the address go. Replicas may sweep at the same
 * time; the project's own events decide, so an invitation expires once. Resolves with how many ended.
 */
export function expireInvitations(deps: ProjectCommandDeps & { clock: () => Date }) {
  return async (): Promise<number> => {
    const now = deps.clock();
    const metadata = eventMetadata(systemContext("invitation-expiry"));
    let ended = 0;
    for (const projectId of await projectsWithExpiredInvitations(deps.db, now, PROJECTS_PER_SWEEP)) {
      const { events } = await runProjectCommand(
        deps,
        { type: "ExpireInvitations", data: { projectId }, meta: { now, actorId: systemActor("user") } },
        metadata,
      );
      ended += events.length;
    }
    return ended;
  };
}
