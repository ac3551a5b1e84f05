// Checks made as the user fills in a form, so mistakes are shown next to the field before anything
// is sent. They mirror db/schemas.ts; the register checks again and has the last word.
import type { Jurisdiction } from '../../db/schemas.ts';

export type ValidationKey =
  | 'validation.required'
  | 'validation.taxIdRU'
  | 'validation.taxIdKZ'
  | 'validation.ogrn'
  | 'validation.login'
  | 'validation.passwordLength'
  | 'validation.passwordMismatch'
  | 'validation.recoveryCode';

export type FieldErrors<K extends string> = Partial<Record<K, ValidationKey>>;

export interface OperatorForm {
  jurisdiction: Jurisdiction;
  name: string;
  address: string;
  taxId: string;
  ogrn: string;
}

export interface AdminForm {
  login: string;
  fullName: string;
  position: string;
  password: string;
  passwordConfirm: string;
}

export interface RecoverForm {
  code: string;
  login: string;
  newPassword: string;
  newPasswordConfirm: string;
}

const loginPattern = /^[\p{L}\p{N}._-]+$/u;

export function loginError(login: string): ValidationKey | undefined {
  const v = login.trim();
  if (v === '') return 'validation.required';
  if (v.length < 2 || v.length > 64 || !loginPattern.test(v)) return 'validation.login';
  return undefined;
}

function passwordErrors(password: string, confirm: string): { password?: ValidationKey; confirm?: ValidationKey } {
  if (password === '') return { password: 'validation.required' };
  if (password.length < 8 || password.length > 1024) return { password: 'validation.passwordLength' };
  if (confirm !== password) return { confirm: confirm === '' ? 'validation.required' : 'validation.passwordMismatch' };
  return {};
}

// Digits only: people paste tax numbers with spaces.
export function digits(value: string): string {
  return value.replace(/[\s-]/g, '');
}

export function validateOperator(f: OperatorForm): FieldErrors<keyof OperatorForm> {
  const e: FieldErrors<keyof OperatorForm> = {};
  if (f.name.trim() === '') e.name = 'validation.required';
  if (f.address.trim() === '') e.address = 'validation.required';
  const taxId = digits(f.taxId);
  if (taxId === '') e.taxId = 'validation.required';
  else if (f.jurisdiction === 'RU' && !/^\d{10}(\d{2})?$/.test(taxId)) e.taxId = 'validation.taxIdRU';
  else if (f.jurisdiction === 'KZ' && !/^\d{12}$/.test(taxId)) e.taxId = 'validation.taxIdKZ';
  const ogrn = digits(f.ogrn);
  if (f.jurisdiction === 'RU' && ogrn !== '' && !/^\d{13}(\d{2})?$/.test(ogrn)) e.ogrn = 'validation.ogrn';
  return e;
}

export function validateAdmin(f: AdminForm): FieldErrors<keyof AdminForm> {
  const e: FieldErrors<keyof AdminForm> = {};
  const login = loginError(f.login);
  if (login) e.login = login;
  if (f.fullName.trim() === '') e.fullName = 'validation.required';
  const p = passwordErrors(f.password, f.passwordConfirm);
  if (p.password) e.password = p.password;
  if (p.confirm) e.passwordConfirm = p.confirm;
  return e;
}

// The same folding the keyring applies (db/keyring.ts normalizeRecoveryCode): hyphens and spaces
// optional, O read as 0, I and L as 1.
export function normalizeRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function validateRecover(f: RecoverForm): FieldErrors<keyof RecoverForm> {
  const e: FieldErrors<keyof RecoverForm> = {};
  const code = normalizeRecoveryCode(f.code);
  if (code === '') e.code = 'validation.required';
  else if (!/^[0-9A-Z]{25}$/.test(code)) e.code = 'validation.recoveryCode';
  const login = loginError(f.login);
  if (login) e.login = login;
  const p = passwordErrors(f.newPassword, f.newPasswordConfirm);
  if (p.password) e.newPassword = p.password;
  if (p.confirm) e.newPasswordConfirm = p.confirm;
  return e;
}

export function hasErrors(errors: object): boolean {
  return Object.values(errors).some((v) => v !== undefined);
}
