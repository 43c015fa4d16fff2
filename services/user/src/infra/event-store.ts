import { eventStores, personalDataPolicy } from "@tessera/eventstore";

export const USER_SCHEMA = "users";

/** The `users` event store: profile emails, names and preferences sealed under the user's key. */
export const userStores = eventStores({
  schema: USER_SCHEMA,
  personalData: personalDataPolicy({
    subjectField: "userId",
    fields: {
      "user.profile.created": ["email"],
      "user.profile.updated": ["displayName", "preferences"],
    },
  }),
});
