import type { EventMetadata } from "@tessera/contracts";
import {
  type AnyTransaction,
  type CommandResult,
  type DeletePublishedCopies,
  handleCommand,
} from "@tessera/eventstore";
import type { Kysely } from "kysely";
import { projectDecider } from "../domain/project.ts";
import {
  type ProjectCommand,
  type ProjectEvent,
  type ProjectState,
  projectStreamId,
} from "../domain/project-state.ts";
import { invitationSubject, userStores } from "../infra/event-store.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";

export interface ProjectCommandDeps {
  db: Kysely<UserDb>;
  deletePublished: DeletePublishedCopies;
}

/** The invitation an event ends, if it ends one. */
function endedInvitation(event: ProjectEvent): string | undefined {
  switch (event.type) {
    case "user.invitation.accepted":
    case "user.invitation.declined":
    case "user.invitation.revoked":
    case "user.invitation.expired":
      return event.data.invitationId;
    default:
      return undefined;
  }
}

/**
 * Every project command, in one transaction: load → decide → append with the read models, and for
 * each invitation the command ended, its key is destroyed and the bus's copies of its address
 * deleted, so an invitee's address outlives no invitation. In `trx` when the caller has one (a
 * consumer recording the event it handles).
 */
export async function runProjectCommand(
  deps: ProjectCommandDeps,
  command: ProjectCommand & { data: { projectId: string } },
  metadata: EventMetadata,
  trx?: AnyTransaction,
): Promise<CommandResult<ProjectEvent, ProjectState>> {
  const work = async (tx: AnyTransaction) => {
    const result = await handleCommand(
      userStores.on(tx),
      projectDecider,
      projectStreamId(command.data.projectId),
      command,
      { inline: [projectUserEvents], metadata },
    );
    const vault = userStores.vault(tx);
    for (const event of result.events) {
      const invitationId = endedInvitation(event);
      if (invitationId !== undefined)
        await vault.erase(invitationSubject(invitationId), deps.deletePublished);
    }
    return result;
  };
  return trx ? work(trx) : deps.db.transaction().execute(work);
}
