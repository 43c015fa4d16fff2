import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id at OWASP's parameters: 19 MiB memory, 2 passes, 1 lane. They are written into every
 * PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`), so raising them later still verifies old hashes.
 */
export const ARGON2_PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Burns the same time as a real verification, for unknown emails; always false. */
  verifyDummy(password: string): Promise<false>;
}

export async function createPasswordHasher(): Promise<PasswordHasher> {
  const dummyHash = await hash("tessera-dummy-password-for-timing", ARGON2_PARAMETERS);
  return {
    hash: (password) => hash(password, ARGON2_PARAMETERS),
    verify: async (stored, password) => {
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    verifyDummy: async (password) => {
      await verify(dummyHash, password).catch(() => false);
      return false;
    },
  };
}
