// The import's column mapping as the user edits it: which column of the file holds each field.
// The register has the last word (import.preview reports mappingProblems), but the page says at
// once what would be refused, and keeps the rule that only a previewed mapping is committed.
import type { ImportField, Mapping, MappingInput } from '../../../../db/import/mapping.ts';

export type { ImportField, Mapping };

// Every field of db/import/mapping.ts, in the order the editor lists them (the Record makes the
// compiler complain when the register adds or drops one).
const order: Record<ImportField, number> = {
  fullName: 1,
  lastName: 2,
  firstName: 3,
  middleName: 4,
  phone: 5,
  email: 6,
  source: 7,
  consentMarketing: 8,
  consentAppointment: 9,
  consentDate: 10,
};
export const importFields = (Object.keys(order) as ImportField[]).sort((a, b) => order[a] - order[b]);

export type MappingProblem =
  | { kind: 'duplicate'; column: string; fields: ImportField[] }
  | { kind: 'noName' }
  | { kind: 'consentWithoutDate' }
  | { kind: 'unknownColumn'; field: ImportField; column: string };

export function setField(mapping: Mapping, field: ImportField, column: string | null): Mapping {
  const next: Mapping = { ...mapping };
  if (column === null || column === '') delete next[field];
  else next[field] = column;
  return next;
}

export function mappingProblems(mapping: Mapping, columns: readonly string[]): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const byColumn = new Map<string, ImportField[]>();
  for (const field of importFields) {
    const column = mapping[field];
    if (column === undefined) continue;
    if (!columns.includes(column)) problems.push({ kind: 'unknownColumn', field, column });
    byColumn.set(column, [...(byColumn.get(column) ?? []), field]);
  }
  for (const [column, fields] of byColumn) if (fields.length > 1) problems.push({ kind: 'duplicate', column, fields });
  if (mapping.fullName === undefined && mapping.lastName === undefined && mapping.firstName === undefined) problems.push({ kind: 'noName' });
  if ((mapping.consentMarketing !== undefined || mapping.consentAppointment !== undefined) && mapping.consentDate === undefined)
    problems.push({ kind: 'consentWithoutDate' });
  return problems;
}

// Fields whose column another field also uses: the editor marks both selects invalid.
export function conflictingFields(problems: readonly MappingProblem[]): Set<ImportField> {
  const out = new Set<ImportField>();
  for (const p of problems) if (p.kind === 'duplicate') for (const f of p.fields) out.add(f);
  return out;
}

// What to send: every field named, unmapped ones as null, so the register's own suggestion never
// fills in a field the user cleared.
export function toMappingInput(mapping: Mapping): MappingInput {
  const out: MappingInput = {};
  for (const field of importFields) out[field] = mapping[field] ?? null;
  return out;
}

export function sameMapping(a: Mapping, b: Mapping): boolean {
  return importFields.every((f) => (a[f] ?? null) === (b[f] ?? null));
}

// A column's own words, for the select: header text and a sample value where there is one.
export function columnLabel(column: string, index: number): string {
  return `${index + 1}. ${column}`;
}
