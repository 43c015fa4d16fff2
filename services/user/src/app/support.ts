import { type PlatformRole, PlatformRoleSchema, type Profile } from "@tessera/contracts";
import type { ProfileRow } from "../infra/tables.ts";

export function platformRoles(roles: readonly string[]): PlatformRole[] {
  return roles.flatMap((role) => {
    const parsed = PlatformRoleSchema.safeParse(role);
    return parsed.success ? [parsed.data] : [];
  });
}

export function toProfile(row: ProfileRow): Profile {
  return {
    id: row.user_id,
    email: row.email,
    displayName: row.display_name,
    roles: platformRoles(row.roles),
    preferences: row.preferences,
    createdAt: row.created_at.toISOString(),
  };
}
