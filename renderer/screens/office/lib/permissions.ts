// What each role may do, as db/roles.ts says: the screens hide what the signed-in role cannot do.
// The register checks again and has the last word; the compiler keeps this copy equal to the
// register's (the `satisfies` below fails on any difference).
import type { Role, permissions as registerPermissions } from '../../../../db/roles.ts';

const permissions = {
  'persons.read': ['receptionist', 'manager', 'administrator'],
  'persons.write': ['receptionist', 'manager', 'administrator'],
  'consents.write': ['receptionist', 'manager', 'administrator'],
  'blocks.write': ['receptionist', 'manager', 'administrator'],
  'requests.write': ['receptionist', 'manager', 'administrator'],
  'audit.read': ['manager', 'administrator'],
  'audit.verify': ['receptionist', 'manager', 'administrator'],
  'persons.destroy': ['manager'],
  'registers.export': ['manager'],
  'key.export': ['manager'],
  'settings.legal': ['manager', 'administrator'],
  'users.manage': ['manager', 'administrator'],
  'backup.run': ['manager', 'administrator'],
  self: ['receptionist', 'manager', 'administrator'],
} as const satisfies typeof registerPermissions;

export type Permission = keyof typeof permissions;
export type { Role };

export function can(role: Role | undefined | null, permission: Permission): boolean {
  return role ? (permissions[permission] as readonly Role[]).includes(role) : false;
}

export function rolesWith(permission: Permission): readonly Role[] {
  return permissions[permission];
}
