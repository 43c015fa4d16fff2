import { PasswordTooCommonError } from "../domain/errors.ts";
import type { CommonPasswords } from "../infra/common-passwords.ts";
import type { PasswordHasher } from "../infra/passwords.ts";

export interface PasswordPolicyDeps {
  hasher: PasswordHasher;
  commonPasswords: CommonPasswords;
}

/** Refuses a common password (naming the request `field`), then hashes the chosen one. */
export async function hashNewPassword(
  deps: PasswordPolicyDeps,
  password: string,
  field: string,
): Promise<string> {
  if (deps.commonPasswords.has(password)) throw new PasswordTooCommonError(field);
  return deps.hasher.hash(password);
}
