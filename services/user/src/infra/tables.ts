import type { ColumnType, Selectable } from "kysely";

export interface ProfilesTable {
  user_id: string;
  email: string;
  display_name: string | null;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  preferences: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: ColumnType<Date, string, never>;
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

/** The `users` schema's read models. */
export interface UserDb {
  profiles: ProfilesTable;
  projects: ProjectsTable;
  memberships: MembershipsTable;
  user_history: UserHistoryTable;
  erased_users: ErasedUsersTable;
}

export type ProfileRow = Selectable<ProfilesTable>;
export type HistoryRow = Selectable<UserHistoryTable>;
