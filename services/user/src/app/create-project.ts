import { randomUUID } from "node:crypto";
import type { CreatedProject, MessageContext } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata, requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { ProfileNotFoundError } from "../domain/errors.ts";
import { projectDecider, projectStreamId } from "../domain/project.ts";
import { userStores } from "../infra/event-store.ts";
import { isErased } from "../infra/profiles.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";

/** `svc.user.projects.create`: a new project with the caller as its owner. */
export function createProject(deps: { db: Kysely<UserDb>; clock: () => Date }) {
  return async (request: { name: string }, ctx: MessageContext): Promise<CreatedProject> => {
    const userId = requireUser(ctx);
    // An erased user's access token may live a few more minutes; they start nothing new.
    if (await isErased(deps.db, userId)) throw new ProfileNotFoundError();
    const projectId = randomUUID();
    await handleCommand(
      userStores.on(deps.db),
      projectDecider,
      projectStreamId(projectId),
      {
        type: "CreateProject",
        data: { projectId, name: request.name },
        meta: { now: deps.clock(), actorId: userId },
      },
      { inline: [projectUserEvents], metadata: eventMetadata(ctx, { projectId }) },
    );
    return { id: projectId, name: request.name, role: "owner" };
  };
}
