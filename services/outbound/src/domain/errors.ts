import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TesseraError,
  type TesseraErrorOptions,
} from "@tessera/contracts";

export class ContactNotFoundError extends NotFoundError {
  override name = "ContactNotFoundError";
  constructor(contactId: string) {
    super("outbound.contact_not_found", `Contact ${contactId} does not exist in this project.`);
  }
}

export class EndpointNotFoundError extends NotFoundError {
  override name = "EndpointNotFoundError";
  constructor(endpointId: string) {
    super("outbound.endpoint_not_found", `Endpoint ${endpointId} does not exist in this project.`);
  }
}

export class MessageNotFoundError extends NotFoundError {
  override name = "MessageNotFoundError";
  constructor(messageId: string) {
    super("outbound.message_not_found", `Message ${messageId} does not exist in this project.`);
  }
}

/** The action is not allowed in the message's current state; the problem names that state. */
export class IllegalTransitionError extends ConflictError {
  override name = "IllegalTransitionError";
  readonly current: string;
  constructor(action: string, current: string) {
    super("outbound.illegal_transition", `The message is ${current}; it cannot be ${action}.`, {
      errors: [{ field: "status", message: current }],
    });
    this.current = current;
  }
}

/** The contact opted out: nothing is sent to it. */
export class ContactOptedOutError extends ConflictError {
  override name = "ContactOptedOutError";
  constructor() {
    super("outbound.contact_opted_out", "The contact opted out of messages.");
  }
}

/** The message's target cannot take messages (no email, a disabled or removed endpoint). */
export class TargetUnusableError extends TesseraError {
  override name = "TargetUnusableError";
  constructor(detail: string, options: TesseraErrorOptions = {}) {
    super("outbound.target_unusable", 422, detail, options);
  }
}

/** Four-eyes: the project requires an approver other than the author. */
export class FourEyesError extends ForbiddenError {
  override name = "FourEyesError";
  constructor() {
    super("outbound.four_eyes", "This project requires someone other than the author to approve.");
  }
}

export class ApproverRoleError extends ForbiddenError {
  override name = "ApproverRoleError";
  constructor(action: string) {
    super("auth.forbidden", `Only the project's owners and admins may ${action} messages.`);
  }
}
