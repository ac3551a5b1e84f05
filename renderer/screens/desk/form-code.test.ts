import { describe, expect, it } from 'vitest';
import { asciiOf, looksLikeFormCode, parseFormCode } from './form-code.ts';

const key = (code: string, key: string, shiftKey = false, caps = false) => ({ code, key, shiftKey, getModifierState: (m: string) => m === 'CapsLock' && caps });

describe('consent form codes', () => {
  it('reads PD1:<person>:<purpose>:<form version>', () => {
    expect(parseFormCode('PD1:42:marketing:ru-v1')).toEqual({ personId: 42, purpose: 'marketing', formVersion: 'ru-v1' });
    expect(parseFormCode(' PD1:7:health_data:kk-v12 ')).toEqual({ personId: 7, purpose: 'health_data', formVersion: 'kk-v12' });
  });
  it('refuses anything else', () => {
    expect(parseFormCode('PD1:0:marketing:ru-v1')).toBeNull();
    expect(parseFormCode('PD1:42:Marketing:ru-v1')).toBeNull();
    expect(parseFormCode('PD1:42:marketing:')).toBeNull();
    expect(parseFormCode('PD2:42:marketing:ru-v1')).toBeNull();
    expect(parseFormCode('PD1:42:marketing:ru v1')).toBeNull();
    expect(parseFormCode('Петрова')).toBeNull();
  });
  it('tells a code being typed', () => {
    expect(looksLikeFormCode('PD1:')).toBe(true);
    expect(looksLikeFormCode('pd1:4')).toBe(true);
    expect(looksLikeFormCode('PD')).toBe(false);
  });
  it('rebuilds what a scanner typed under a Russian layout from the key positions', () => {
    // "PD1:" with the Russian layout on arrives as "ЗВ1Ж".
    const typed = [key('KeyP', 'З', true), key('KeyD', 'В', true), key('Digit1', '1'), key('Semicolon', 'Ж', true), key('KeyM', 'ь'), key('Minus', '-')];
    expect(typed.map(asciiOf).join('')).toBe('PD1:m-');
    expect(asciiOf(key('KeyA', 'ф', false, true))).toBe('A');
    expect(asciiOf(key('Period', 'ю'))).toBe('.');
    expect(asciiOf(key('ShiftLeft', 'Shift', true))).toBeNull();
  });
  it('takes plain ASCII keys as they are', () => {
    expect(asciiOf(key('Semicolon', ':'))).toBe(':');
    expect(asciiOf(key('KeyP', 'P'))).toBe('P');
  });
});
