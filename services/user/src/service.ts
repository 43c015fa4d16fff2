import {
  accessGet,
  adminRolesGrant,
  adminRolesRevoke,
  historyList,
  meErase,
  meGet,
  membersAdd,
  membersRemove,
  meUpdate,
  projectsCreate,
  projectsList,
  USER_EVENTS,
} from "@tessera/contracts";
import type { PublishedCopy } from "@tessera/eventstore";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { addMember } from "./app/add-member.ts";
import { changePlatformRole } from "./app/admin-roles.ts";
import { createProject } from "./app/create-project.ts";
import { eraseMe } from "./app/erase-me.ts";
import { getAccess } from "./app/get-access.ts";
import { getMe } from "./app/get-me.ts";
import { listHistory } from "./app/list-history.ts";
import { listProjects } from "./app/list-projects.ts";
import { ON_ACCOUNT_REGISTERED, onAccountRegistered } from "./app/on-account-registered.ts";
import { ON_USER_ERASED, onUserErased } from "./app/on-user-erased.ts";
import { HISTORY_SOURCES, historyConsumerName, recordHistory } from "./app/record-history.ts";
import { removeMember } from "./app/remove-member.ts";
import { updateMe } from "./app/update-me.ts";
import type { UserConfig } from "./config.ts";
import { userStores } from "./infra/event-store.ts";
import * as createProfiles from "./infra/migrations/2026_11_21_0001_create_profiles.ts";
import * as projectsHistoryErasure from "./infra/migrations/2026_11_22_0001_projects_history_erasure.ts";
import type { UserDb } from "./infra/tables.ts";

/** The `user` service: profiles, roles, projects and memberships, the audit trail, erasure. */
export function userService(config: UserConfig): ServiceDefinition<UserDb> {
  return {
    service: "user",
    stores: userStores,
    migrations: {
      "2026_11_21_0001_create_profiles": createProfiles,
      "2026_11_22_0001_projects_history_erasure": projectsHistoryErasure,
    },
    publishes: USER_EVENTS,
    async register(runtime) {
      const { db, bus, consume, consumeInBackground, onStop } = runtime;
      const deps = {
        db,
        clock: () => new Date(),
        deletePublished: (copies: readonly PublishedCopy[]) => bus.deletePublished(copies),
      };
      bus.serve(meGet, getMe(deps));
      bus.serve(meUpdate, updateMe(deps));
      bus.serve(meErase, eraseMe(deps));
      bus.serve(historyList, listHistory(deps));
      bus.serve(accessGet, getAccess(deps));
      bus.serve(adminRolesGrant, changePlatformRole(deps, "GrantRole"));
      bus.serve(adminRolesRevoke, changePlatformRole(deps, "RevokeRole"));
      bus.serve(projectsCreate, createProject(deps));
      bus.serve(projectsList, listProjects(deps));
      bus.serve(membersAdd, addMember(deps));
      bus.serve(membersRemove, removeMember(deps));
      const accounts = await consume({
        name: ON_ACCOUNT_REGISTERED,
        stream: "auth",
        filterSubjects: ["evt.auth.account.registered"],
        handler: onAccountRegistered({ ...deps, bootstrapAdminEmail: config.BOOTSTRAP_ADMIN_EMAIL }),
      });
      onStop("account consumer", () => accounts.stop());
      const erasures = await consume({
        name: ON_USER_ERASED,
        stream: "user",
        filterSubjects: ["evt.user.user.erased"],
        handler: onUserErased(deps),
      });
      onStop("erasure consumer", () => erasures.stop());
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

export function startUserService(config: UserConfig): Promise<RunningService<UserDb>> {
  return startService(userService(config), config);
}
