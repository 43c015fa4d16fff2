import {
  ConflictError,
  ForbiddenError,
  type InvitationStatus,
  NotFoundError,
  ValidationError,
} from "@tessera/contracts";

export class ProfileNotFoundError extends NotFoundError {
  override name = "ProfileNotFoundError";
  constructor() {
    super("user.not_found", "No profile exists for this account.");
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

/** An unknown invitation, or an open one addressed to someone else: ids reveal nothing. */
export class InvitationNotFoundError extends NotFoundError {
  override name = "InvitationNotFoundError";
  constructor() {
    super("user.invitation_not_found", "No such invitation.");
  }
}

const CLOSED_DETAIL: Readonly<Record<Exclude<InvitationStatus, "pending">, string>> = {
  accepted: "This invitation has already been accepted.",
  declined: "This invitation was declined.",
  revoked: "This invitation was revoked.",
  expired: "This invitation has expired; ask for a new one.",
};

/** The invitation has ended: `user.invitation_accepted`, `_declined`, `_revoked` or `_expired`. */
export class InvitationClosedError extends ConflictError {
  override name = "InvitationClosedError";
  readonly invitationStatus: Exclude<InvitationStatus, "pending">;
  constructor(status: Exclude<InvitationStatus, "pending">) {
    super(`user.invitation_${status}`, CLOSED_DETAIL[status]);
    this.invitationStatus = status;
  }
}

export class InvitationPendingError extends ConflictError {
  override name = "InvitationPendingError";
  constructor() {
    super(
      "user.invitation_pending",
      "This address already has a pending invitation to this project; revoke it to invite again.",
    );
  }
}

export class TooManyInvitationsError extends ConflictError {
  override name = "TooManyInvitationsError";
  constructor(limit: number) {
    super("user.invitations_full", `A project has at most ${limit} pending invitations.`);
  }
}

/** The invitation is addressed to the caller's email, which `auth` has not seen verified yet. */
export class EmailUnverifiedError extends ForbiddenError {
  override name = "EmailUnverifiedError";
  constructor() {
    super("user.email_unverified", "Verify your email address to answer this invitation.");
  }
}
