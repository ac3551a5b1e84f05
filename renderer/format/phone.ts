// Phones are stored in E.164 (+79035551234); the desk reads them grouped as they are dialled.
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
