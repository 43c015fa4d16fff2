import type { ColumnType, Selectable } from "kysely";

export interface ProfilesTable {
  user_id: string;
  email: string;
  display_name: string | null;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  preferences: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: ColumnType<Date, string, never>;
}

/** The `users` schema's read models. */
export interface UserDb {
  profiles: ProfilesTable;
}

export type ProfileRow = Selectable<ProfilesTable>;
