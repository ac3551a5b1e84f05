// How the event log reads on screen: actions grouped for the filter, a human label where one is
// known (the code itself is always shown), and the details as short "name value" pairs. Details
// hold ids, codes and field names only (db/audit.ts), so they can be shown as they are.

// The first part of an action code: audit.list matches "person" to person.add, person.block…
export const actionGroups = [
  'login',
  'person',
  'consent',
  'request',
  'act',
  'export',
  'pack',
  'import',
  'print',
  'audit',
  'user',
  'settings',
  'purpose',
  'deadline',
  'calendar',
  'formTemplate',
  'backup',
  'key',
  'recovery',
  'access',
] as const;

export const entityKinds = ['person', 'request', 'user', 'purpose', 'calendar', 'destruction_act', 'other'] as const;
export type EntityKind = (typeof entityKinds)[number];

export function entityKindOf(entity: string): EntityKind {
  return (entityKinds as readonly string[]).includes(entity) ? (entity as EntityKind) : 'other';
}

// Actions with their own label in the translation files (office.audit.actions.<code with _>).
export const labelledActions = new Set([
  'login',
  'login.failed',
  'access.denied',
  'register.create',
  'person.add',
  'person.edit',
  'person.block',
  'person.unblock',
  'person.mark_verify',
  'person.clear_verify',
  'person.destroy',
  'consent.give',
  'consent.withdraw',
  'consent.refuse',
  'consent.scan',
  'consent.scan_view',
  'request.open',
  'request.extend',
  'request.close',
  'act.create',
  'export.register',
  'export.marketing',
  'pack.create',
  'pack.verify',
  'audit.verify',
  'user.add',
  'user.disable',
  'user.passwd',
  'user.language',
  'settings.operator',
  'settings.jurisdiction',
  'settings.general',
  'purpose.add',
  'purpose.update',
  'deadline.rule',
  'calendar.set',
  'backup.create',
  'backup.restore',
  'backup.rotate',
  'backup.settings',
  'key.export_raw',
  'recovery.used',
  'recovery.regenerate',
  'import',
  'export.consent_records',
  'formTemplate.default',
  'formTemplate.save',
  'print.consent',
  'print.act',
  'print.answer',
]);

export function actionLabelKey(action: string): string | null {
  return labelledActions.has(action) ? `office.audit.actions.${action.replace(/\./g, '_')}` : null;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(show).join(', ');
  return JSON.stringify(value);
}

export function describeDetails(details: Record<string, unknown> | null | undefined, max = 8): Array<[string, string]> {
  if (!details || typeof details !== 'object') return [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(details)) {
    if (out.length >= max) break;
    const text = show(v);
    // Hashes are long; their start is enough to tell them apart on screen.
    out.push([k, /^[0-9a-f]{64}$/.test(text) ? `${text.slice(0, 16)}…` : text]);
  }
  return out;
}

// Stored as UTC; shown in the clinic's local time as ДД.ММ.ГГГГ ЧЧ:ММ.
export function formatTime(iso: string, formatDate: (d: Date) => string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDate(d)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
