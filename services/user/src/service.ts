import {
  accessGet,
  adminRolesGrant,
  adminRolesRevoke,
  historyList,
  invitationsAccept,
  invitationsCreate,
  invitationsDecline,
  invitationsGet,
  invitationsList,
  invitationsRevoke,
  meErase,
  meGet,
  membersList,
  membersRemove,
  membersUpdate,
  meUpdate,
  projectsCreate,
  projectsGet,
  projectsList,
  receivedInvitationsList,
  USER_EVENTS,
  usersErase,
} from "@tessera/contracts";
import type { PublishedCopy } from "@tessera/eventstore";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { changePlatformRole } from "./app/admin-roles.ts";
import { acceptInvitation, declineInvitation } from "./app/answer-invitation.ts";
import { changeMemberRole } from "./app/change-member-role.ts";
import { createInvitation } from "./app/create-invitation.ts";
import { createProject } from "./app/create-project.ts";
import { eraseMe, eraseUserById } from "./app/erase-me.ts";
import { expireInvitations } from "./app/expire-invitations.ts";
import { getAccess } from "./app/get-access.ts";
import { getInvitation } from "./app/get-invitation.ts";
import { getMe } from "./app/get-me.ts";
import { getProject } from "./app/get-project.ts";
import { listHistory } from "./app/list-history.ts";
import { listProjectInvitations, listReceivedInvitations } from "./app/list-invitations.ts";
import { listMembers } from "./app/list-members.ts";
import { listProjects } from "./app/list-projects.ts";
import { ON_ACCOUNT_EMAIL_CHANGED, onAccountEmailChanged } from "./app/on-account-email-changed.ts";
import { ON_ACCOUNT_REGISTERED, onAccountRegistered } from "./app/on-account-registered.ts";
import { ON_ACCOUNT_RENAMED, onAccountRenamed } from "./app/on-account-renamed.ts";
import { ON_EMAIL_VERIFIED, onEmailVerified } from "./app/on-email-verified.ts";
import { ON_USER_ERASED, onUserErased } from "./app/on-user-erased.ts";
import { HISTORY_SOURCES, historyConsumerName, recordHistory } from "./app/record-history.ts";
import { removeMember } from "./app/remove-member.ts";
import { revokeInvitation } from "./app/revoke-invitation.ts";
import { updateMe } from "./app/update-me.ts";
import type { UserConfig } from "./config.ts";
import { authAccounts } from "./infra/accounts.ts";
import { userStores } from "./infra/event-store.ts";
import * as createProfiles from "./infra/migrations/2026_11_21_0001_create_profiles.ts";
import * as projectsHistoryErasure from "./infra/migrations/2026_11_22_0001_projects_history_erasure.ts";
import * as invitationsVerifiedEmails from "./infra/migrations/2026_11_23_0001_invitations_verified_emails.ts";
import { userReadModel } from "./infra/read-model.ts";
import type { UserDb } from "./infra/tables.ts";

const HOUR_MS = 3_600_000;

export interface UserServiceOptions {
  /** The service's clock. @default () => new Date() */
  clock?: () => Date;
}

/** The `user` service: profiles, roles, projects, memberships and invitations, the audit trail, erasure. */
export function userService(config: UserConfig, options: UserServiceOptions = {}): ServiceDefinition<UserDb> {
  const clock = options.clock ?? (() => new Date());
  return {
    service: "user",
    stores: userStores,
    migrations: {
      "2026_11_21_0001_create_profiles": createProfiles,
      "2026_11_22_0001_projects_history_erasure": projectsHistoryErasure,
      "2026_11_23_0001_invitations_verified_emails": invitationsVerifiedEmails,
    },
    publishes: USER_EVENTS,
    projections: [userReadModel],
    async register(runtime) {
      const { db, bus, logger, consume, consumeInBackground, onStop } = runtime;
      const deps = {
        db,
        clock,
        deletePublished: (copies: readonly PublishedCopy[]) => bus.deletePublished(copies),
        accounts: authAccounts(bus),
        invitationTtlMs: config.INVITATION_TTL_HOURS * HOUR_MS,
      };
      bus.serve(meGet, getMe(deps));
      bus.serve(meUpdate, updateMe(deps));
      bus.serve(meErase, eraseMe(deps));
      bus.serve(usersErase, eraseUserById(deps));
      bus.serve(historyList, listHistory(deps));
      bus.serve(accessGet, getAccess(deps));
      bus.serve(adminRolesGrant, changePlatformRole(deps, "GrantRole"));
      bus.serve(adminRolesRevoke, changePlatformRole(deps, "RevokeRole"));
      bus.serve(projectsCreate, createProject(deps));
      bus.serve(projectsList, listProjects(deps));
      bus.serve(projectsGet, getProject(deps));
      bus.serve(membersList, listMembers(deps));
      bus.serve(membersUpdate, changeMemberRole(deps));
      bus.serve(membersRemove, removeMember(deps));
      bus.serve(invitationsCreate, createInvitation(deps));
      bus.serve(invitationsList, listProjectInvitations(deps));
      bus.serve(invitationsGet, getInvitation(deps));
      bus.serve(invitationsRevoke, revokeInvitation(deps));
      bus.serve(receivedInvitationsList, listReceivedInvitations(deps));
      bus.serve(invitationsAccept, acceptInvitation(deps));
      bus.serve(invitationsDecline, declineInvitation(deps));
      const accounts = await consume({
        name: ON_ACCOUNT_REGISTERED,
        stream: "auth",
        filterSubjects: ["evt.auth.account.registered"],
        handler: onAccountRegistered({ ...deps, bootstrapAdminEmail: config.BOOTSTRAP_ADMIN_EMAIL }),
      });
      onStop("account consumer", () => accounts.stop());
      const verifications = await consume({
        name: ON_EMAIL_VERIFIED,
        stream: "auth",
        filterSubjects: ["evt.auth.email.verified"],
        handler: onEmailVerified(deps),
      });
      onStop("email verification consumer", () => verifications.stop());
      const renames = await consume({
        name: ON_ACCOUNT_RENAMED,
        stream: "auth",
        filterSubjects: ["evt.auth.account.name_changed"],
        handler: onAccountRenamed(deps),
      });
      onStop("rename consumer", () => renames.stop());
      const emailChanges = await consume({
        name: ON_ACCOUNT_EMAIL_CHANGED,
        stream: "auth",
        filterSubjects: ["evt.auth.account.email_changed"],
        handler: onAccountEmailChanged(deps),
      });
      onStop("email change consumer", () => emailChanges.stop());
      const erasures = await consume({
        name: ON_USER_ERASED,
        stream: "user",
        filterSubjects: ["evt.user.user.erased"],
        handler: onUserErased(deps),
      });
      onStop("erasure consumer", () => erasures.stop());
      const sweep = expireInvitations(deps);
      const sweeping = setInterval(() => {
        sweep().catch((error: unknown) => logger.error({ err: error }, "expiring invitations failed"));
      }, config.INVITATION_EXPIRY_CHECK_SECONDS * 1_000);
      sweeping.unref();
      onStop("invitation expiry", async () => clearInterval(sweeping));
      // In the background, so the user service does not wait for every other service to start.
      for (const service of HISTORY_SOURCES) {
        consumeInBackground({
          name: historyConsumerName(service),
          stream: service,
          filterSubjects: [`evt.${service}.>`],
          handler: recordHistory({ db, service }),
        });
      }
    },
  };
}

export function startUserService(
  config: UserConfig,
  options: UserServiceOptions = {},
): Promise<RunningService<UserDb>> {
  return startService(userService(config, options), config);
}
