// The code printed (as a QR code) on every consent form: `PD1:<personId>:<purposeCode>:<formVersion>`.
// A USB scanner types it like a keyboard, fast, and ends with Enter; a person may type it by hand.
// The listener below recognises it anywhere in the page.
//
// Scanners send key positions, not letters: with a Russian or Kazakh layout active, "PD1:" arrives
// as "ЗВ1Ж". So the text is rebuilt from KeyboardEvent.code (the physical key, US layout), which
// reads the same whatever layout the desk has switched to.

export interface FormCode {
  personId: number;
  purpose: string;
  formVersion: string;
}

const pattern = /^PD1:(\d{1,15}):([a-z][a-z0-9_]{0,63}):([A-Za-z0-9._\-/]{1,100})$/;

export function parseFormCode(text: string): FormCode | null {
  const m = pattern.exec(text.trim());
  if (!m) return null;
  const personId = Number(m[1]);
  if (!Number.isSafeInteger(personId) || personId < 1) return null;
  return { personId, purpose: m[2]!, formVersion: m[3]! };
}

// Could this text still become a form code as more keys come? (The search screen stops searching
// while a code is being typed.)
export function looksLikeFormCode(text: string): boolean {
  return /^PD1:/i.test(text.trim());
}

const shifted: Record<string, [string, string]> = {
  Semicolon: [';', ':'],
  Minus: ['-', '_'],
  Period: ['.', '>'],
  Slash: ['/', '?'],
  Equal: ['=', '+'],
  Comma: [',', '<'],
  Space: [' ', ' '],
};

// The character a key makes: the key's own character when it is plain ASCII (a US or Latin
// layout), else what its position makes on a US layout; null for keys that make none.
export function asciiOf(e: Pick<KeyboardEvent, 'code' | 'key' | 'shiftKey' | 'getModifierState'>): string | null {
  if (e.key.length === 1 && e.key >= ' ' && e.key <= '~') return e.key;
  const { code } = e;
  if (/^Key[A-Z]$/.test(code)) {
    const letter = code.slice(3);
    const upper = e.shiftKey !== (typeof e.getModifierState === 'function' && e.getModifierState('CapsLock'));
    return upper ? letter : letter.toLowerCase();
  }
  if (/^Digit\d$/.test(code)) return e.shiftKey ? null : code.slice(5);
  if (/^Numpad\d$/.test(code)) return code.slice(6);
  if (code === 'NumpadDecimal') return '.';
  if (code === 'NumpadSubtract') return '-';
  if (code === 'NumpadDivide') return '/';
  const pair = shifted[code];
  if (pair) return e.shiftKey ? pair[1] : pair[0];
  return null;
}

export interface ScannerOptions {
  onCode: (code: FormCode, typedIn: HTMLInputElement | HTMLTextAreaElement | null) => void;
  // Typed into this element (the search field), a code counts at any speed, as if typed anywhere.
  isHome?: (el: Element) => boolean;
  now?: () => number;
}

// A human pauses; the buffer is dropped after this long without a key.
const humanGapMs = 2000;
// Into another text field, only a scanner's speed counts: a person filling a form who happens to
// type "PD1:…" is left alone.
const scannerGapMs = 80;

function editable(el: Element | null): el is HTMLInputElement | HTMLTextAreaElement | HTMLElement {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

// Puts back what a text field held before the code was typed into it (React-controlled inputs
// hear about it through the native setter and an input event).
export function removeTypedSuffix(el: HTMLInputElement | HTMLTextAreaElement, typed: string): void {
  if (!typed || !el.value.endsWith(typed)) return;
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  setter?.call(el, el.value.slice(0, el.value.length - typed.length));
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

// Installs the listener on `target` (the window); returns the function that removes it.
export function listenForFormCodes(target: Window, options: ScannerOptions): () => void {
  const now = options.now ?? (() => performance.now());
  // One entry per key: the rebuilt character, the character the layout made, the pause before it.
  let keys: { a: string; k: string; gap: number }[] = [];
  let last = 0;
  const onKey = (e: KeyboardEvent) => {
    if (e.isComposing || e.ctrlKey || e.altKey || e.metaKey) return;
    const t = now();
    const gap = keys.length === 0 ? 0 : t - last;
    if (gap > humanGapMs) keys = [];
    last = t;
    if (e.key === 'Enter') {
      const ascii = keys.map((x) => x.a).join('');
      const start = ascii.lastIndexOf('PD1:');
      const tail = start < 0 ? [] : keys.slice(start);
      keys = [];
      const code = start < 0 ? null : parseFormCode(ascii.slice(start));
      if (!code) return;
      const el = e.target instanceof Element ? e.target : null;
      const textField = editable(el) ? el : null;
      const atHome = textField !== null && (options.isHome?.(textField) ?? false);
      const fastEnough = Math.max(gap, ...tail.slice(1).map((x) => x.gap)) <= scannerGapMs;
      if (textField && !atHome && !fastEnough) return;
      // A modal dialog is open: its form has the user's attention; the code waits for them.
      if (document.querySelector('dialog[open]')) return;
      e.preventDefault();
      e.stopPropagation();
      const input = textField instanceof HTMLInputElement || textField instanceof HTMLTextAreaElement ? textField : null;
      if (input) removeTypedSuffix(input, tail.map((x) => x.k).join(''));
      options.onCode(code, input);
      return;
    }
    if (e.key === 'Backspace') {
      keys.pop();
      return;
    }
    const ch = asciiOf(e);
    if (ch === null) {
      // Shift, CapsLock and the like make no character and do not break a code.
      if (e.key.length === 1) keys = [];
      return;
    }
    keys.push({ a: ch, k: e.key.length === 1 ? e.key : '', gap });
    if (keys.length > 200) keys = keys.slice(-200);
  };
  target.addEventListener('keydown', onKey, true);
  return () => target.removeEventListener('keydown', onKey, true);
}
