import type { ColumnType, Selectable } from "kysely";

export interface ProfilesTable {
  user_id: string;
  email: string;
  display_name: string | null;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  preferences: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: ColumnType<Date, string, never>;
  /** When `auth` saw `email` verified; null until then. */
  email_verified_at: ColumnType<Date | null, string | null | undefined, string | null>;
}

export interface ProjectsTable {
  project_id: string;
  name: string;
  created_at: ColumnType<Date, string, never>;
}

export interface MembershipsTable {
  project_id: string;
  user_id: string;
  role: string;
  added_at: ColumnType<Date, string, never>;
}

/** The audit trail: one row per (user, event) the user is attributed to, from every service's stream. */
export interface UserHistoryTable {
  user_id: string;
  event_id: string;
  service: string;
  type: string;
  occurred_at: ColumnType<Date, string, never>;
  request_id: string | null;
}

/** Users who asked to be forgotten: no new history is attributed to them. Holds no personal data. */
export interface ErasedUsersTable {
  user_id: string;
  erased_at: ColumnType<Date, string, never>;
}

/**
 * Invitations by id, for the invitee's list and the project's. `email` and `email_normalized` are
 * set only while the invitation is pending: its end forgets the address here as in the events.
 */
export interface InvitationsTable {
  invitation_id: string;
  project_id: string;
  email: string | null;
  email_normalized: string | null;
  role: string;
  status: string;
  invited_by: string;
  expires_at: ColumnType<Date, string, never>;
  created_at: ColumnType<Date, string, never>;
}

/** The `users` schema's read models. */
export interface UserDb {
  profiles: ProfilesTable;
  projects: ProjectsTable;
  memberships: MembershipsTable;
  user_history: UserHistoryTable;
  erased_users: ErasedUsersTable;
  invitations: InvitationsTable;
}

export type ProfileRow = Selectable<ProfilesTable>;
export type HistoryRow = Selectable<UserHistoryTable>;
export type InvitationRow = Selectable<InvitationsTable>;
