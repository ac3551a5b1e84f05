import { InvalidArgumentError } from 'commander';

// What the CLI prints, and the small parsers its flags share. Human output is Russian with dates
// as ДД.ММ.ГГГГ; --json output is one JSON object with the API's own YYYY-MM-DD and ISO values.

export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processStreams: Streams = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

// A mistake in how the command was called (exit code 2), as opposed to a refusal by the register
// (exit code 1).
export class UsageError extends Error {
  // Whether to point at --help: not for an interrupted prompt, where help would not help.
  readonly hint: boolean;
  constructor(message: string, o: { hint?: boolean } = {}) {
    super(message);
    this.name = 'UsageError';
    this.hint = o.hint ?? true;
  }
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function humanDate(date: string | null | undefined): string {
  if (!date) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : date;
}

// Timestamps are stored in UTC; people read them in the clinic's local time.
export function humanTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function parseId(value: string): number {
  if (!/^\d{1,15}$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('ожидается номер записи — целое число больше нуля.');
  return Number(value);
}

export function parseLimit(value: string): number {
  return parseId(value);
}

// The desk types dates as ДД.ММ.ГГГГ; scripts pass YYYY-MM-DD. Both reach the API as YYYY-MM-DD.
export function parseDate(value: string): string {
  const v = value.trim();
  let iso: string | null = null;
  const ru = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
  if (ru) iso = `${ru[3]}-${ru[2]!.padStart(2, '0')}-${ru[1]!.padStart(2, '0')}`;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(v)) iso = v;
  if (!iso) throw new InvalidArgumentError('ожидается дата ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.');
  const d = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || !d.toISOString().startsWith(iso)) throw new InvalidArgumentError('такой даты не существует.');
  return iso;
}

// A purpose is named by its code at the desk ("marketing") or by its number.
export function purposeRef(value: string): number | string {
  return /^\d+$/.test(value.trim()) ? Number(value) : value.trim();
}

export class Output {
  readonly json: boolean;
  readonly #streams: Streams;
  #printed = false;

  constructor(json: boolean, streams: Streams) {
    this.json = json;
    this.#streams = streams;
  }

  // Exactly one JSON object per run in --json mode; otherwise the human lines.
  result(value: object, human: () => string | string[]): void {
    if (this.json) {
      if (this.#printed) throw new Error('CLI printed two JSON results');
      this.#printed = true;
      this.#streams.stdout(`${JSON.stringify(value)}\n`);
      return;
    }
    const text = human();
    const lines = Array.isArray(text) ? text : [text];
    this.#streams.stdout(`${lines.join('\n')}\n`);
  }

  // Prompts and notices go to stderr so that stdout stays clean for scripts.
  note(text: string): void {
    this.#streams.stderr(`${text}\n`);
  }

  error(code: string, message: string, details?: unknown): void {
    if (this.json && !this.#printed) {
      this.#printed = true;
      this.#streams.stdout(`${JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } })}\n`);
    }
    this.#streams.stderr(`privacy-desk: ${oneLine(message)}\n`);
  }
}

// Left-aligned columns for lists; the widths follow the data.
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length)))
      .join('  ')
      .trimEnd(),
  );
}
