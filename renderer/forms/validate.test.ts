import { describe, expect, it } from 'vitest';
import { normalizeRecoveryCode, validateAdmin, validateOperator, validateRecover } from './validate.ts';

const operator = { jurisdiction: 'RU' as const, name: 'ООО «Клиника»', address: 'Москва', taxId: '7701234567', ogrn: '' };
const admin = { login: 'admin', fullName: 'Иванова Анна', position: '', password: 'secret-pass', passwordConfirm: 'secret-pass' };

describe('first-start validation', () => {
  it('accepts a complete Russian operator', () => {
    expect(validateOperator(operator)).toEqual({});
    expect(validateOperator({ ...operator, taxId: '7701 2345 6789', ogrn: '1027700132195' })).toEqual({});
  });
  it('names each wrong field', () => {
    expect(validateOperator({ ...operator, name: ' ', address: '', taxId: '123', ogrn: '12' })).toEqual({
      name: 'validation.required',
      address: 'validation.required',
      taxId: 'validation.taxIdRU',
      ogrn: 'validation.ogrn',
    });
  });
  it('wants a 12-digit BIN in Kazakhstan and ignores OGRN there', () => {
    expect(validateOperator({ ...operator, jurisdiction: 'KZ', taxId: '7701234567' })).toEqual({ taxId: 'validation.taxIdKZ' });
    expect(validateOperator({ ...operator, jurisdiction: 'KZ', taxId: '123456789012', ogrn: 'x' })).toEqual({});
  });
  it('checks the administrator', () => {
    expect(validateAdmin(admin)).toEqual({});
    expect(validateAdmin({ ...admin, login: 'a b', fullName: '', password: 'short', passwordConfirm: 'short' })).toEqual({
      login: 'validation.login',
      fullName: 'validation.required',
      password: 'validation.passwordLength',
    });
    expect(validateAdmin({ ...admin, passwordConfirm: 'secret-pasS' })).toEqual({ passwordConfirm: 'validation.passwordMismatch' });
    expect(validateAdmin({ ...admin, login: 'регистратура.1' })).toEqual({});
  });
});

describe('recovery validation', () => {
  it('folds the code like the keyring does', () => {
    expect(normalizeRecoveryCode('abcde-fghij klmno-pqrst-uvwxy')).toBe('ABCDEFGH1JK1MN0PQRSTUVWXY');
  });
  it('wants 25 letters and digits', () => {
    const ok = { code: 'ABCDE-FGHJK-MNPQR-STVWX-YZ012', login: 'admin', newPassword: 'new-password', newPasswordConfirm: 'new-password' };
    expect(validateRecover(ok)).toEqual({});
    expect(validateRecover({ ...ok, code: 'ABCDE-FGHJK' })).toEqual({ code: 'validation.recoveryCode' });
    expect(validateRecover({ ...ok, code: '', newPasswordConfirm: '' })).toEqual({ code: 'validation.required', newPasswordConfirm: 'validation.required' });
  });
});
