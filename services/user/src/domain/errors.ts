import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "@tessera/contracts";

export class ProfileNotFoundError extends NotFoundError {
  override name = "ProfileNotFoundError";
  constructor() {
    super("user.not_found", "No profile exists for this account.");
  }
}

export class ProfileExistsError extends ConflictError {
  override name = "ProfileExistsError";
  constructor(userId: string) {
    super("user.profile_exists", `A profile for ${userId} already exists.`);
  }
}

export class PreferencesTooLargeError extends ValidationError {
  override name = "PreferencesTooLargeError";
  constructor(limitBytes: number) {
    super("The merged preferences are too large.", [
      { field: "preferences", message: `the merged preferences must be at most ${limitBytes} bytes as JSON` },
    ]);
  }
}

/** Also what a non-member hears, so project ids do not leak. */
export class ProjectNotFoundError extends NotFoundError {
  override name = "ProjectNotFoundError";
  constructor() {
    super("user.project_not_found", "No such project.");
  }
}

export class ProjectExistsError extends ConflictError {
  override name = "ProjectExistsError";
  constructor() {
    super("user.project_exists", "This project already exists.");
  }
}

export class MemberNotFoundError extends NotFoundError {
  override name = "MemberNotFoundError";
  constructor() {
    super("user.member_not_found", "That user is not a member of this project.");
  }
}

export class ProjectForbiddenError extends ForbiddenError {
  override name = "ProjectForbiddenError";
  constructor(detail: string) {
    super("user.forbidden", detail);
  }
}

export class LastOwnerError extends ConflictError {
  override name = "LastOwnerError";
  constructor() {
    super("user.last_owner", "A project keeps at least one owner: make someone else owner first.");
  }
}

export class ProjectFullError extends ConflictError {
  override name = "ProjectFullError";
  constructor(limit: number) {
    super("user.project_full", `A project has at most ${limit} members.`);
  }
}
