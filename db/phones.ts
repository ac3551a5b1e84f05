import { type CountryCode, type PhoneNumber, parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import { z } from 'zod';
import { RegisterError } from './errors.ts';
import type { Jurisdiction } from './schemas.ts';

// Contacts as they are typed at the desk, turned into the one form the register stores.
// The `max` metadata carries each country's number ranges: with the default `min` metadata
// isValid() checks only the length, and +7 numbers of Russia and Kazakhstan (one calling code)
// could not be told apart. Error messages never repeat the number or address itself.

export interface NormalizedPhone {
  e164: string;
  // ISO country of the range the number belongs to; null for non-geographic numbers.
  country: string | null;
  national: string;
}

const defaultCountry: Record<Jurisdiction, CountryCode> = { RU: 'RU', KZ: 'KZ' };

const phoneMessages = {
  empty: 'Номер телефона не указан.',
  chars: 'Номер телефона может содержать только цифры, пробелы, скобки, дефисы и «+» в начале.',
  extension: 'Добавочный номер не сохраняется: укажите номер телефона без добавочного.',
  shortPlus7: 'Номер телефона слишком короткий: после +7 (или 8) должно быть 10 цифр.',
  longPlus7: 'Номер телефона слишком длинный: после +7 (или 8) должно быть 10 цифр.',
  rangePlus7: 'Такого номера нет в планах нумерации России и Казахстана: проверьте код оператора или города после +7.',
  short: 'Номер телефона слишком короткий для своей страны.',
  long: 'Номер телефона слишком длинный для своей страны.',
  country: 'Неизвестный код страны: международный номер начинается с «+» и кода страны.',
  range: 'Номер телефона не соответствует плану нумерации своей страны.',
} as const;

function invalidPhone(message: string): RegisterError {
  return new RegisterError('invalid_phone', message);
}

// At a Russian or Kazakh desk an 11-digit number typed without "+" that starts with 8 (trunk
// prefix) or 7 (country code) is a +7 number. libphonenumber reads "8…" for RU but not "7…" for
// KZ, so both are settled here before parsing.
function deskForm(raw: string, jurisdiction: Jurisdiction): string {
  const trimmed = raw.trim();
  if (trimmed.startsWith('+')) return trimmed;
  const digits = trimmed.replace(/[\s().\-\u00a0]/g, '');
  if (/^[78]\d{10}$/.test(digits) && (jurisdiction === 'RU' || jurisdiction === 'KZ')) return `+7${digits.slice(1)}`;
  return trimmed;
}

export function normalizePhone(raw: string, jurisdiction: Jurisdiction): NormalizedPhone {
  const parsed = parseDeskPhone(raw, jurisdiction);
  return { e164: parsed.number, country: parsed.country ?? null, national: parsed.formatNational() };
}

// The same checks without the national form, for bulk work (file import) that stores E.164 only:
// formatting the national form is about half the cost of normalising a number.
export function phoneE164(raw: string, jurisdiction: Jurisdiction): string {
  return parseDeskPhone(raw, jurisdiction).number;
}

function parseDeskPhone(raw: string, jurisdiction: Jurisdiction): PhoneNumber {
  const trimmed = raw.trim();
  if (trimmed === '') throw invalidPhone(phoneMessages.empty);
  if (/доб|ext|#|x\s*\d/i.test(trimmed)) throw invalidPhone(phoneMessages.extension);
  if (!/^\+?[\d\s().\-\u00a0]+$/.test(trimmed)) throw invalidPhone(phoneMessages.chars);
  const text = deskForm(trimmed, jurisdiction);
  const country = defaultCountry[jurisdiction];
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
  if (parsed?.isValid()) return parsed;
  // Russia and Kazakhstan share +7 with 10 national digits: count them as the desk typed them
  // (a leading 8 without "+" is the trunk prefix), which says more than "invalid".
  const digits = text.replace(/\D/g, '');
  const plus7 = text.startsWith('+') ? digits.startsWith('7') : true;
  if (plus7) {
    const national = text.startsWith('+') || digits.startsWith('8') ? digits.length - 1 : digits.length;
    if (national < 10) throw invalidPhone(phoneMessages.shortPlus7);
    if (national > 10) throw invalidPhone(phoneMessages.longPlus7);
    throw invalidPhone(phoneMessages.rangePlus7);
  }
  switch (validatePhoneNumberLength(text, { defaultCountry: country })) {
    case 'INVALID_COUNTRY':
      throw invalidPhone(phoneMessages.country);
    case 'TOO_SHORT':
    case 'NOT_A_NUMBER':
      throw invalidPhone(phoneMessages.short);
    case 'TOO_LONG':
      throw invalidPhone(phoneMessages.long);
    default:
      throw invalidPhone(phoneMessages.range);
  }
}

// Stored numbers are E.164; this gives the desk the way people write them back.
export function describePhone(e164: string): NormalizedPhone {
  const parsed = parsePhoneNumberFromString(e164);
  return { e164, country: parsed?.country ?? null, national: parsed?.formatNational() ?? e164 };
}

export interface NormalizedEmail {
  email: string;
  // Case-folded form: duplicates and search compare this, the address itself is kept as typed.
  fold: string;
}

// Practical addresses, including Cyrillic ones (почта@клиника.рф): a local part of letters, digits
// and . _ % + ' - without leading, trailing or doubled dots; a domain of letter/digit labels and a
// top-level domain of letters.
const emailPattern = /^(?!\.)(?!.*\.\.)[\p{L}\p{N}._%+'-]{0,63}[\p{L}\p{N}_%+'-]@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}$/u;
const emailSchema = z.email({ pattern: emailPattern }).max(254);

export function normalizeEmail(raw: string): NormalizedEmail {
  const email = raw.trim().normalize('NFC');
  if (email === '') throw new RegisterError('invalid_email', 'Адрес e-mail не указан.');
  if (!email.includes('@')) throw new RegisterError('invalid_email', 'В адресе e-mail нет знака «@».');
  if (!emailSchema.safeParse(email).success) {
    throw new RegisterError('invalid_email', 'Адрес e-mail записан неверно: ожидается вид имя@домен.зона, без пробелов.');
  }
  return { email, fold: foldEmail(email) };
}

export function foldEmail(text: string): string {
  return text.normalize('NFC').toLowerCase();
}
