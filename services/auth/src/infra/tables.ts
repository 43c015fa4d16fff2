import type { ColumnType, Insertable, Selectable } from "kysely";

export interface AccountsTable {
  account_id: string;
  email: string;
  email_normalized: string;
  password_hash: string;
  registered_at: ColumnType<Date, string, never>;
}

export interface SessionsTable {
  session_id: string;
  account_id: string;
  family_id: string;
  refresh_token_hash: string;
  started_at: ColumnType<Date, string, never>;
  expires_at: ColumnType<Date, string, string>;
  revoked_at: ColumnType<Date | null, string | null, string | null>;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  private_jwk: ColumnType<Record<string, unknown>, string, never>;
  public_jwk: ColumnType<Record<string, unknown>, string, never>;
  created_at: ColumnType<Date, string | undefined, never>;
  retired_at: ColumnType<Date | null, string | null, string | null>;
}

/** The `auth` schema's read models, as Kysely sees them. */
export interface AuthDb {
  accounts: AccountsTable;
  sessions: SessionsTable;
  signing_keys: SigningKeysTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
