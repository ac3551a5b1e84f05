import type { DB } from './connection.ts';
import { seedDeadlineDefaults } from './deadlines.ts';
import { seedFormTemplates } from './form-templates.ts';
import { seedPurposes } from './purposes.ts';
import type { Jurisdiction, OperatorDetails } from './schemas.ts';
import { defaultBackupSettings, defaultGeneralSettings, putSetting } from './settings.ts';

// What a new register starts with: the operator's details, the jurisdiction profile, the default
// purposes, deadline rules and the shipped working-day calendars. All of it is editable later.
export function seedDefaults(db: DB, o: { operator: OperatorDetails; jurisdiction: Jurisdiction; at: string; userId: number }): void {
  putSetting(db, 'operator', o.operator);
  putSetting(db, 'jurisdiction', o.jurisdiction);
  putSetting(db, 'general', defaultGeneralSettings);
  putSetting(db, 'backup', defaultBackupSettings);
  seedPurposes(db, o.at);
  seedDeadlineDefaults(db, o.at);
  seedFormTemplates(db, o.at, o.jurisdiction);
}
