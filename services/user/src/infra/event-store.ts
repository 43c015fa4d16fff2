import { eventStores, type PersonalDataPolicy, personalDataPolicy } from "@tessera/eventstore";

export const USER_SCHEMA = "users";

/** The personal-data subject of an invitation's address: a key of its own, destroyed when it ends. */
export function invitationSubject(invitationId: string): string {
  return `invitation:${invitationId}`;
}

const aboutUsers = personalDataPolicy({
  subjectField: "userId",
  fields: {
    "user.profile.created": ["email"],
    "user.profile.updated": ["displayName", "preferences"],
    "user.profile.email_changed": ["email"],
  },
});

const aboutInvitations = personalDataPolicy({
  subjectField: "invitationId",
  fields: { "user.invitation.created": ["email"] },
});

/**
 * Profile emails, names and preferences sealed under the user's key; an invitee's address under
 * the invitation's own key (the invitation has no user yet, and its end forgets the address).
 */
const userPersonalData: PersonalDataPolicy = (event) => {
  const invitation = aboutInvitations(event);
  return invitation
    ? { ...invitation, subjectId: invitationSubject(invitation.subjectId) }
    : aboutUsers(event);
};

/** The `users` event store. */
export const userStores = eventStores({ schema: USER_SCHEMA, personalData: userPersonalData });
