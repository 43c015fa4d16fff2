import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The list shipped in `services/auth/data` (see its README for source and licence). */
export const COMMON_PASSWORDS_FILE = fileURLToPath(
  new URL("../../data/common-passwords.txt", import.meta.url),
);

export interface CommonPasswords {
  /** Whether the password, lower-cased, is on the list; the password itself is never altered. */
  has(password: string): boolean;
  readonly size: number;
}

export async function loadCommonPasswords(file: string = COMMON_PASSWORDS_FILE): Promise<CommonPasswords> {
  const text = await readFile(file, "utf8");
  const entries = new Set(
    text
      .split("\n")
      .map((line) => line.trim().toLowerCase())
      .filter((line) => line.length > 0),
  );
  if (entries.size < 10_000) throw new Error(`common-password list ${file} has only ${entries.size} entries`);
  return {
    has: (password) => entries.has(password.normalize("NFKC").toLowerCase()),
    size: entries.size,
  };
}
