// Russian is the default; Kazakh and English are complete alternatives with exactly the same keys
// (renderer/i18n/keys.test.ts). The choice is remembered in this browser profile until per-user
// settings take over (issue 4).
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import enDesk from './en.desk.json';
import enCore from './en.json';
import enOffice from './en.office.json';
import kkDesk from './kk.desk.json';
import kkCore from './kk.json';
import kkOffice from './kk.office.json';
import ruDesk from './ru.desk.json';
import ruCore from './ru.json';
import ruOffice from './ru.office.json';

// One file per area and language, so screens can be translated (and edited) independently:
// <lang>.json the shell, first start and unlock; <lang>.desk.json the receptionist's screens
// (search, person card, consents); <lang>.office.json the manager's (requests, registers,
// audit, settings). Top-level keys never repeat across the files of one language.
export const ru = { ...ruCore, ...ruDesk, ...ruOffice };
export const kk = { ...kkCore, ...kkDesk, ...kkOffice };
export const en = { ...enCore, ...enDesk, ...enOffice };

export const languages = ['ru', 'kk', 'en'] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = 'ru';

const storageKey = 'privacy-desk.language';

export const resources = { ru: { translation: ru }, kk: { translation: kk }, en: { translation: en } } as const;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof ru };
  }
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

function storedLanguage(): Language {
  try {
    const v = globalThis.localStorage?.getItem(storageKey);
    return isLanguage(v) ? v : defaultLanguage;
  } catch {
    return defaultLanguage;
  }
}

export function initI18n(): typeof i18next {
  const lng = storedLanguage();
  void i18next.use(initReactI18next).init({
    resources,
    lng,
    fallbackLng: defaultLanguage,
    supportedLngs: [...languages],
    initAsync: false,
    // React escapes text itself.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  return i18next;
}

export async function setLanguage(lng: Language): Promise<void> {
  await i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
  try {
    globalThis.localStorage?.setItem(storageKey, lng);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}
