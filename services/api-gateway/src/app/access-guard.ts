import {
  AccessForbiddenError,
  InvalidTokenError,
  type MessageContext,
  ProjectNotVisibleError,
  type RouteDefinition,
} from "@tessera/contracts";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AccessCache } from "../infra/access-cache.ts";

const ProjectParamsSchema = z.object({ projectId: z.uuid() });

/**
 * `onRequest` guard of platform-admin and project-scoped routes, after authentication: asks the
 * user service (through the cache) for the caller's roles and project role. A non-member — or a
 * project id that is not even a UUID — gets 404, so ids do not leak; a member whose role the route
 * does not allow, or a non-admin on an admin route, gets 403.
 */
export function accessGuardFor(
  route: RouteDefinition,
  deps: { cache: AccessCache; contextOf: (request: FastifyRequest) => MessageContext },
) {
  if (route.auth !== "platform-admin" && !route.projectScoped) return undefined;
  return async function guard(request: FastifyRequest): Promise<void> {
    const caller = request.caller;
    if (caller === null) throw new InvalidTokenError();
    let projectId: string | undefined;
    if (route.projectScoped) {
      const params = ProjectParamsSchema.safeParse(request.params);
      if (!params.success) throw new ProjectNotVisibleError();
      projectId = params.data.projectId;
    }
    const access = await deps.cache.get(caller.userId, projectId, deps.contextOf(request));
    request.access = { platformRoles: access.platformRoles, projectId, projectRole: access.projectRole };
    if (route.auth === "platform-admin" && !access.platformRoles.includes("admin")) {
      throw new AccessForbiddenError("This route is for platform administrators.");
    }
    if (projectId === undefined) return;
    if (access.projectRole === null) throw new ProjectNotVisibleError();
    if (route.projectRoles !== undefined && !route.projectRoles.includes(access.projectRole)) {
      throw new AccessForbiddenError(`Your role in this project (${access.projectRole}) may not do this.`);
    }
  };
}
