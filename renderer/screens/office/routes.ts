// The manager's sections (requests, registers and exports, import, audit, settings), listed for the
// navigation shell after unlock. Each entry: a stable id, the translation key of its label, the roles
// that see it, and the screen component. Roles follow db/roles.ts: requests are everyone's work;
// whole-register exports and the inspection pack are the manager's alone; import writes persons
// (everyone may add persons, but a file of hundreds is the manager's call); the event log and
// settings belong to the manager and the administrator.
import type { ComponentType } from 'react';
import { AuditScreen } from './AuditScreen.tsx';
import { ExportsScreen } from './ExportsScreen.tsx';
import { ImportScreen } from './ImportScreen.tsx';
import { rolesWith } from './lib/permissions.ts';
import { RequestsScreen } from './RequestsScreen.tsx';
import { SettingsScreen } from './settings/SettingsScreen.tsx';
import './office.css';

export interface OfficeRoute {
  id: string;
  labelKey: string;
  roles: readonly ('receptionist' | 'manager' | 'administrator')[];
  component: ComponentType;
}

export const officeRoutes: OfficeRoute[] = [
  { id: 'requests', labelKey: 'office.nav.requests', roles: rolesWith('requests.write'), component: RequestsScreen },
  { id: 'exports', labelKey: 'office.nav.exports', roles: rolesWith('registers.export'), component: ExportsScreen },
  { id: 'import', labelKey: 'office.nav.import', roles: ['manager', 'administrator'], component: ImportScreen },
  { id: 'audit', labelKey: 'office.nav.audit', roles: rolesWith('audit.read'), component: AuditScreen },
  { id: 'settings', labelKey: 'office.nav.settings', roles: ['manager', 'administrator'], component: SettingsScreen },
];
