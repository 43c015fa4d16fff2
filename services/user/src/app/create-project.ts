import { randomUUID } from "node:crypto";
import type { CreatedProject, MessageContext } from "@tessera/contracts";
import { eventMetadata, requireUser } from "@tessera/service-kit";
import { ProfileNotFoundError } from "../domain/errors.ts";
import { isErased } from "../infra/profiles.ts";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";

/** `svc.user.projects.create`: a new project with the caller as its owner. */
export function createProject(deps: ProjectCommandDeps & { clock: () => Date }) {
  return async (request: { name: string }, ctx: MessageContext): Promise<CreatedProject> => {
    const userId = requireUser(ctx);
    // An erased user's access token may live a few more minutes; they start nothing new.
    if (await isErased(deps.db, userId)) throw new ProfileNotFoundError();
    const projectId = randomUUID();
    await runProjectCommand(
      deps,
      {
        type: "CreateProject",
        data: { projectId, name: request.name },
        meta: { now: deps.clock(), actorId: userId },
      },
      eventMetadata(ctx, { projectId }),
    );
    return { id: projectId, name: request.name, role: "owner" };
  };
}
