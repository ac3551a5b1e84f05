// Who may do what. Roles are not a ladder: the administrator runs users and backups but is not the
// clinic's responsible manager, so cannot destroy data, export a whole register or read the key.
export const roles = ['receptionist', 'manager', 'administrator'] as const;
export type Role = (typeof roles)[number];

export const permissions = {
  // everyday desk work
  'persons.read': ['receptionist', 'manager', 'administrator'],
  'persons.write': ['receptionist', 'manager', 'administrator'],
  'consents.write': ['receptionist', 'manager', 'administrator'],
  'blocks.write': ['receptionist', 'manager', 'administrator'],
  'requests.write': ['receptionist', 'manager', 'administrator'],
  'audit.read': ['manager', 'administrator'],
  'audit.verify': ['receptionist', 'manager', 'administrator'],
  // the manager's legal duties
  'persons.destroy': ['manager'],
  'registers.export': ['manager'],
  'key.export': ['manager'],
  'settings.legal': ['manager', 'administrator'],
  // running the installation
  'users.manage': ['manager', 'administrator'],
  'backup.run': ['manager', 'administrator'],
  'self': ['receptionist', 'manager', 'administrator'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
