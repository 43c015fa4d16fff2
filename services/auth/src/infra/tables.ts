import type { SessionMethod } from "@tessera/contracts";
import type { ColumnType, Insertable, Selectable } from "kysely";

export interface AccountsTable {
  account_id: string;
  email: string;
  email_normalized: string;
  /** Null for an account made by a provider sign-up, until a password reset. */
  password_hash: string | null;
  registered_at: ColumnType<Date, string, never>;
  email_verified_at: ColumnType<Date | null, string | null | undefined, string | null>;
}

export interface SessionsTable {
  session_id: string;
  account_id: string;
  family_id: string;
  method: ColumnType<SessionMethod, SessionMethod, never>;
  /** The current refresh token's hash. */
  refresh_token_hash: string;
  started_at: ColumnType<Date, string, never>;
  expires_at: ColumnType<Date, string, string>;
  last_used_at: ColumnType<Date, string, string>;
  revoked_at: ColumnType<Date | null, string | null, string | null>;
  revoke_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  issued_at: ColumnType<Date, string, never>;
}

export interface LinkTokensTable {
  token_hash: string;
  account_id: string;
  purpose: "password-reset" | "email-verification";
  expires_at: ColumnType<Date, string, never>;
}

export interface LoginFailuresTable {
  key: string;
  failures: number;
  last_failure_at: ColumnType<Date, Date, Date>;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  private_jwk: ColumnType<Record<string, unknown>, string, never>;
  public_jwk: ColumnType<Record<string, unknown>, string, never>;
  created_at: ColumnType<Date, string | undefined, never>;
  retired_at: ColumnType<Date | null, string | null, string | null>;
}

export interface OAuthIdentitiesTable {
  issuer: string;
  subject: string;
  account_id: string;
  provider: string;
  linked_at: ColumnType<Date, string, never>;
}

export interface OAuthTokensTable {
  issuer: string;
  subject: string;
  account_id: string;
  key_id: string;
  /** IV ‖ ciphertext ‖ tag, base64url, of the provider's token set as JSON. */
  ciphertext: string;
  updated_at: ColumnType<Date, Date, Date>;
}

/** The `auth` schema's read models, as Kysely sees them. */
export interface AuthDb {
  accounts: AccountsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  link_tokens: LinkTokensTable;
  login_failures: LoginFailuresTable;
  signing_keys: SigningKeysTable;
  oauth_identities: OAuthIdentitiesTable;
  oauth_tokens: OAuthTokensTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
