import { describe, expect, it } from 'vitest';
import { conflictingFields, importFields, mappingProblems, sameMapping, setField, toMappingInput } from './mapping.ts';

const columns = ['Дата', 'Имя', 'Телефон', 'E-mail', 'Согласие на рассылку'];

describe('import mapping editor', () => {
  it('lists every field of the register, name fields first', () => {
    expect(importFields).toEqual([
      'fullName',
      'lastName',
      'firstName',
      'middleName',
      'phone',
      'email',
      'source',
      'consentMarketing',
      'consentAppointment',
      'consentDate',
    ]);
  });

  it('sets and clears a field without touching the others', () => {
    const m = { fullName: 'Имя', phone: 'Телефон' };
    expect(setField(m, 'email', 'E-mail')).toEqual({ fullName: 'Имя', phone: 'Телефон', email: 'E-mail' });
    expect(setField(m, 'phone', null)).toEqual({ fullName: 'Имя' });
    expect(setField(m, 'phone', '')).toEqual({ fullName: 'Имя' });
    expect(m).toEqual({ fullName: 'Имя', phone: 'Телефон' });
  });

  it('finds what the register would refuse: one column for two fields, no name, consent without date', () => {
    expect(mappingProblems({ fullName: 'Имя', phone: 'Телефон', email: 'E-mail' }, columns)).toEqual([]);
    const dup = mappingProblems({ fullName: 'Имя', phone: 'Телефон', email: 'Телефон' }, columns);
    expect(dup).toEqual([{ kind: 'duplicate', column: 'Телефон', fields: ['phone', 'email'] }]);
    expect([...conflictingFields(dup)]).toEqual(['phone', 'email']);
    expect(mappingProblems({ phone: 'Телефон' }, columns)).toEqual([{ kind: 'noName' }]);
    expect(mappingProblems({ lastName: 'Имя', consentMarketing: 'Согласие на рассылку' }, columns)).toEqual([{ kind: 'consentWithoutDate' }]);
    expect(mappingProblems({ fullName: 'Имя', consentMarketing: 'Согласие на рассылку', consentDate: 'Дата' }, columns)).toEqual([]);
    expect(mappingProblems({ fullName: 'ФИО' }, columns)).toEqual([{ kind: 'unknownColumn', field: 'fullName', column: 'ФИО' }]);
  });

  it('sends every field, cleared ones as null, and tells an edited mapping from the previewed one', () => {
    const input = toMappingInput({ fullName: 'Имя', phone: 'Телефон' });
    expect(input).toEqual({
      fullName: 'Имя',
      lastName: null,
      firstName: null,
      middleName: null,
      phone: 'Телефон',
      email: null,
      source: null,
      consentMarketing: null,
      consentAppointment: null,
      consentDate: null,
    });
    expect(sameMapping({ fullName: 'Имя' }, { fullName: 'Имя', email: undefined })).toBe(true);
    expect(sameMapping({ fullName: 'Имя' }, { fullName: 'Имя', email: 'E-mail' })).toBe(false);
  });
});
