// Phones as the desk types them ("8 916 123-45-67", "+7 701 1234567"), formatted while typing and
// checked before sending. The register normalises them again (with full metadata) and decides;
// this is only so the receptionist sees a mistake at once.
import { AsYouType, type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { Jurisdiction } from '../../../db/schemas.ts';

export function countryOf(jurisdiction: Jurisdiction | undefined): CountryCode {
  return jurisdiction === 'KZ' ? 'KZ' : 'RU';
}

export function formatAsTyped(value: string, country: CountryCode): string {
  // Only digits and the usual separators are formatted; anything else is left for the check.
  if (!/^[\d\s()+\-.]*$/.test(value)) return value;
  return new AsYouType(country).input(value);
}

// E.164 for a plausible number, null otherwise (empty input is "no phone", not an error).
export function phoneE164(value: string, country: CountryCode): string | null {
  const p = parsePhoneNumberFromString(value, country);
  return p?.isPossible() ? p.number : null;
}

export function isBlank(value: string): boolean {
  return value.trim() === '';
}

export function looksLikeEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());
}
