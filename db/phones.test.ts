import { describe, expect, it } from 'vitest';
import { RegisterError } from './errors.ts';
import { describePhone, normalizeEmail, normalizePhone } from './phones.ts';

function phoneError(raw: string, jurisdiction: 'RU' | 'KZ' = 'RU'): RegisterError {
  try {
    normalizePhone(raw, jurisdiction);
  } catch (err) {
    if (err instanceof RegisterError) return err;
    throw err;
  }
  throw new Error(`accepted: ${raw}`);
}

describe('phones typed at the desk', () => {
  it.each([
    ['8 (701) 123-45-67', 'KZ'],
    ['+7 701 1234567', 'KZ'],
    ['87011234567', 'KZ'],
    ['7011234567', 'KZ'],
    ['77011234567', 'KZ'],
    ['8-701-123-45-67', 'RU'],
    ['7011234567', 'RU'],
    ['+7(701)123 45 67', 'RU'],
  ] as const)('%s at a %s desk is the Kazakh mobile +77011234567', (typed, jurisdiction) => {
    expect(normalizePhone(typed, jurisdiction)).toEqual({ e164: '+77011234567', country: 'KZ', national: '8 (701) 123 4567' });
  });

  it.each([
    ['8 (916) 123-45-67', 'RU'],
    ['+7 916 123 45 67', 'RU'],
    ['89161234567', 'RU'],
    ['9161234567', 'RU'],
    ['7 916 123 45 67', 'KZ'],
    ['9161234567', 'KZ'],
    ['  +7-916-123-45-67  ', 'KZ'],
  ] as const)('%s at a %s desk is the Russian mobile +79161234567', (typed, jurisdiction) => {
    expect(normalizePhone(typed, jurisdiction)).toEqual({ e164: '+79161234567', country: 'RU', national: '8 (916) 123-45-67' });
  });

  it('tells Russian and Kazakh fixed lines apart inside the shared +7 code', () => {
    expect(normalizePhone('+7 (7172) 55-55-55', 'RU')).toMatchObject({ e164: '+77172555555', country: 'KZ' });
    expect(normalizePhone('8 727 258 12 34', 'RU')).toMatchObject({ e164: '+77272581234', country: 'KZ' });
    expect(normalizePhone('8 (495) 123-45-67', 'KZ')).toMatchObject({ e164: '+74951234567', country: 'RU' });
    expect(normalizePhone('8 800 555-35-35', 'KZ')).toMatchObject({ e164: '+78005553535', country: 'RU' });
  });

  it('keeps foreign numbers given with their country code', () => {
    expect(normalizePhone('+44 20 7946 0958', 'RU')).toEqual({ e164: '+442079460958', country: 'GB', national: '020 7946 0958' });
    expect(normalizePhone('+1 (202) 555-0143', 'KZ')).toMatchObject({ e164: '+12025550143', country: 'US' });
  });

  it.each([
    ['', 'Номер телефона не указан.'],
    ['   ', 'Номер телефона не указан.'],
    ['8 916 123', 'Номер телефона слишком короткий: после +7 (или 8) должно быть 10 цифр.'],
    ['8 (916) 123-45-6', 'Номер телефона слишком короткий: после +7 (или 8) должно быть 10 цифр.'],
    ['+7 916 123 45 678', 'Номер телефона слишком длинный: после +7 (или 8) должно быть 10 цифр.'],
    ['+7 600 123 45 67', 'Такого номера нет в планах нумерации России и Казахстана: проверьте код оператора или города после +7.'],
    ['8 123 456 78 90', 'Такого номера нет в планах нумерации России и Казахстана: проверьте код оператора или города после +7.'],
    ['8 916 l23 45 67', 'Номер телефона может содержать только цифры, пробелы, скобки, дефисы и «+» в начале.'],
    ['916+1234567', 'Номер телефона может содержать только цифры, пробелы, скобки, дефисы и «+» в начале.'],
    ['8 916 123 45 67 доб. 12', 'Добавочный номер не сохраняется: укажите номер телефона без добавочного.'],
    ['+999 123 456 789', 'Неизвестный код страны: международный номер начинается с «+» и кода страны.'],
    ['+44 20 79', 'Номер телефона слишком короткий для своей страны.'],
  ])('rejects %j with a specific message that does not repeat the number', (typed, message) => {
    const err = phoneError(typed);
    expect(err.code).toBe('invalid_phone');
    expect(err.message).toBe(message);
    expect(err.message).not.toMatch(/\d{3}/);
  });

  it('describes a stored number the way the desk writes it', () => {
    expect(describePhone('+77011234567')).toEqual({ e164: '+77011234567', country: 'KZ', national: '8 (701) 123 4567' });
    expect(describePhone('+74951234567')).toEqual({ e164: '+74951234567', country: 'RU', national: '8 (495) 123-45-67' });
  });
});

describe('e-mail addresses', () => {
  it('trims, keeps the address as typed and folds case for comparison', () => {
    expect(normalizeEmail('  Ivan.Petrov@Mail.RU ')).toEqual({ email: 'Ivan.Petrov@Mail.RU', fold: 'ivan.petrov@mail.ru' });
    expect(normalizeEmail('Айгүл.Әлиева@Клиника.РФ')).toEqual({ email: 'Айгүл.Әлиева@Клиника.РФ', fold: 'айгүл.әлиева@клиника.рф' });
    expect(normalizeEmail("o'brien+clinic@example.co.uk").fold).toBe("o'brien+clinic@example.co.uk");
  });

  it.each([
    'ivan',
    'ivan@',
    '@mail.ru',
    'ivan@mail',
    'iv an@mail.ru',
    '.ivan@mail.ru',
    'ivan.@mail.ru',
    'a..b@mail.ru',
    'ivan@-mail.ru',
    'ivan@mail.r',
    'ivan@@mail.ru',
    '',
  ])('rejects %j as invalid_email', (typed) => {
    expect(() => normalizeEmail(typed)).toThrow(RegisterError);
    try {
      normalizeEmail(typed);
    } catch (err) {
      expect((err as RegisterError).code).toBe('invalid_email');
      if (typed.length > 0) expect((err as RegisterError).message).not.toContain(typed);
    }
  });
});
