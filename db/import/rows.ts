import { type Ctx, today } from '../context.ts';
import { RegisterError } from '../errors.ts';
import { findContactMatches, normalizeFullName, type PersonSource } from '../persons.ts';
import { type NormalizedEmail, normalizeEmail, phoneE164 } from '../phones.ts';
import type { Jurisdiction } from '../schemas.ts';
import { consentFields, fieldTitles, type ImportField, type Mapping, parseDateCell, parseSource, parseYesNo } from './mapping.ts';
import { maxCellChars, type TableRow } from './table.ts';

// One file row → a person the register would accept, or the reasons it would not. Messages name
// the problem, never the value (they are shown beside the file, and may end up in a log).

export type ImportErrorCode =
  | 'name_missing'
  | 'name_invalid'
  | 'invalid_phone'
  | 'invalid_email'
  | 'invalid_consent'
  | 'invalid_date'
  | 'bad_encoding'
  | 'cell_too_long'
  | 'duplicate_in_file'
  | 'duplicate_in_register';

export interface ImportProblem {
  line: number;
  // Header text of the column, when the problem is in one cell.
  column?: string;
  field?: ImportField;
  code: ImportErrorCode;
  message: string;
  duplicateOfLine?: number;
  personIds?: number[];
}

export interface Candidate {
  line: number;
  fullName: string;
  phone: string | null;
  email: NormalizedEmail | null;
  source: PersonSource;
  consents: { purpose: 'marketing' | 'appointment'; date: string }[];
}

export type RowStatus = 'ok' | 'invalid' | 'duplicate';

const maxNameLength = 300;
// 7,9E+10 — what Excel makes of a long number once the column is not text.
const exponent = /^\d[.,]?\d*e\+?\d+$/i;

export class RowChecker {
  readonly #ctx: Ctx;
  readonly #mapping: Mapping;
  readonly #index: Partial<Record<ImportField, number>>;
  readonly #jurisdiction: Jurisdiction;
  readonly #defaultSource: PersonSource;
  readonly #today: string;
  // Contacts of the rows accepted so far, with their lines: a later row with the same contact is a
  // repeat of that line.
  readonly #phones = new Map<string, number>();
  readonly #emails = new Map<string, number>();
  readonly #sources = new Map<string, PersonSource | null>();

  constructor(ctx: Ctx, o: { columns: string[]; mapping: Mapping; jurisdiction: Jurisdiction; defaultSource: PersonSource }) {
    this.#ctx = ctx;
    this.#mapping = o.mapping;
    this.#jurisdiction = o.jurisdiction;
    this.#defaultSource = o.defaultSource;
    this.#today = today(ctx);
    this.#index = {};
    for (const [field, column] of Object.entries(o.mapping) as [ImportField, string][]) this.#index[field] = o.columns.indexOf(column);
  }

  // A source column repeats a handful of values: each is read once.
  #source(cell: string): PersonSource | null {
    let known = this.#sources.get(cell);
    if (known === undefined) {
      known = parseSource(cell);
      if (this.#sources.size < 1000) this.#sources.set(cell, known);
    }
    return known;
  }

  #cell(row: TableRow, field: ImportField): string {
    const i = this.#index[field];
    return i === undefined || i < 0 ? '' : (row.cells[i] ?? '').trim();
  }

  #problem(row: TableRow, field: ImportField | undefined, code: ImportErrorCode, message: string): ImportProblem {
    const column = field ? this.#mapping[field] : undefined;
    return { line: row.line, ...(column !== undefined ? { column } : {}), ...(field ? { field } : {}), code, message };
  }

  // Everything that can be said from the row alone.
  check(row: TableRow): { candidate: Candidate | null; problems: ImportProblem[] } {
    // The cells of a line in another encoding are unreadable: anything more said about them would
    // be an artefact of the decoding.
    if (row.badEncoding) {
      const message =
        'Строка записана в другой кодировке, чем остальной файл, и читается неверно. Исправьте строку или сохраните весь файл заново в одной кодировке (лучше UTF-8).';
      return { candidate: null, problems: [this.#problem(row, undefined, 'bad_encoding', message)] };
    }
    // A cell the readers had to cut (longer than a spreadsheet cell can be) is not read as a
    // shorter value: the row is refused, naming the column.
    if (row.longCells) {
      const long = (Object.entries(this.#index) as [ImportField, number][]).filter(([, i]) => row.longCells!.includes(i));
      if (long.length > 0) {
        return {
          candidate: null,
          problems: long.map(([field]) =>
            this.#problem(
              row,
              field,
              'cell_too_long',
              `«${fieldTitles[field]}»: в ячейке больше ${maxCellChars.toLocaleString('ru-RU')} символов — столько не хранит ни одна таблица.`,
            ),
          ),
        };
      }
    }
    const problems: ImportProblem[] = [];

    const nameField: ImportField = this.#mapping.fullName !== undefined ? 'fullName' : this.#mapping.lastName !== undefined ? 'lastName' : 'firstName';
    const rawName =
      this.#mapping.fullName !== undefined
        ? this.#cell(row, 'fullName')
        : [this.#cell(row, 'lastName'), this.#cell(row, 'firstName'), this.#cell(row, 'middleName')].filter((p) => p !== '').join(' ');
    const fullName = normalizeFullName(rawName);
    if (fullName === '') problems.push(this.#problem(row, nameField, 'name_missing', 'Не указано ФИО.'));
    else if (fullName.length > maxNameLength) problems.push(this.#problem(row, nameField, 'name_invalid', `ФИО длиннее ${maxNameLength} символов.`));
    else if (!/\p{L}/u.test(fullName))
      problems.push(this.#problem(row, nameField, 'name_invalid', 'В ФИО нет ни одной буквы: проверьте, тот ли столбец выбран для ФИО.'));

    let phone: string | null = null;
    const rawPhone = this.#cell(row, 'phone');
    if (rawPhone !== '') {
      if (exponent.test(rawPhone)) {
        problems.push(
          this.#problem(
            row,
            'phone',
            'invalid_phone',
            'Номер записан числом в экспоненциальной форме (вида 7,9E+10): Excel исказил его. Сделайте столбец телефонов текстовым и выгрузите файл заново.',
          ),
        );
      } else {
        try {
          phone = phoneE164(rawPhone, this.#jurisdiction);
        } catch (err) {
          if (!(err instanceof RegisterError)) throw err;
          problems.push(this.#problem(row, 'phone', 'invalid_phone', err.message));
        }
      }
    }

    let email: NormalizedEmail | null = null;
    const rawEmail = this.#cell(row, 'email');
    if (rawEmail !== '') {
      try {
        email = normalizeEmail(rawEmail);
      } catch (err) {
        if (!(err instanceof RegisterError)) throw err;
        problems.push(this.#problem(row, 'email', 'invalid_email', err.message));
      }
    }

    const source = (this.#mapping.source !== undefined ? this.#source(this.#cell(row, 'source')) : null) ?? this.#defaultSource;

    const consents: Candidate['consents'] = [];
    for (const [field, purpose] of Object.entries(consentFields) as [keyof typeof consentFields, 'marketing' | 'appointment'][]) {
      if (this.#mapping[field] === undefined) continue;
      const given = parseYesNo(this.#cell(row, field));
      if (given === undefined) {
        problems.push(this.#problem(row, field, 'invalid_consent', `«${fieldTitles[field]}»: значение не распознано — ожидается «да» или «нет».`));
        continue;
      }
      if (!given) continue;
      const rawDate = this.#cell(row, 'consentDate');
      const date = rawDate === '' ? null : parseDateCell(rawDate);
      if (rawDate === '') problems.push(this.#problem(row, 'consentDate', 'invalid_date', 'Согласие отмечено, но дата согласия не указана.'));
      else if (date === null)
        problems.push(this.#problem(row, 'consentDate', 'invalid_date', 'Дата согласия не распознана: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.'));
      else if (date > this.#today) problems.push(this.#problem(row, 'consentDate', 'invalid_date', 'Дата согласия позже сегодняшнего дня.'));
      else consents.push({ purpose, date });
    }
    // One date column serves every consent of the row: one problem with it is enough.
    const unique = problems.filter((p, i) => p.code !== 'invalid_date' || problems.findIndex((q) => q.code === 'invalid_date') === i);
    if (unique.length > 0) return { candidate: null, problems: unique };
    return { candidate: { line: row.line, fullName, phone, email, source, consents }, problems: [] };
  }

  // Whether a valid row repeats an earlier accepted row or a living person in the register. The
  // register is asked only about contacts not already taken by the file, so a person added by this
  // import (inside the commit's transaction) never counts as "already in the register".
  dedupe(c: Candidate): ImportProblem | null {
    const phoneLine = c.phone ? this.#phones.get(c.phone) : undefined;
    const emailLine = c.email ? this.#emails.get(c.email.fold) : undefined;
    const earlier = phoneLine ?? emailLine;
    if (earlier !== undefined) {
      const both = phoneLine !== undefined && emailLine !== undefined;
      const what = both ? 'тот же телефон и e-mail' : phoneLine !== undefined ? 'тот же телефон' : 'тот же e-mail';
      return {
        line: c.line,
        ...(phoneLine !== undefined ? { column: this.#mapping.phone!, field: 'phone' as const } : { column: this.#mapping.email!, field: 'email' as const }),
        code: 'duplicate_in_file',
        message: `Повтор строки ${earlier}: ${what}.`,
        duplicateOfLine: earlier,
      };
    }
    const matches = findContactMatches(this.#ctx.db, { phone: c.phone, emailFold: c.email?.fold ?? null });
    if (matches.length > 0) {
      const ids = [...new Set(matches.map((m) => m.id))];
      const on = new Set(matches.map((m) => m.matchedOn));
      const what = on.size === 2 ? 'телефон и e-mail' : on.has('phone') ? 'телефон' : 'e-mail';
      const field = on.has('phone') ? ('phone' as const) : ('email' as const);
      return {
        line: c.line,
        column: this.#mapping[field]!,
        field,
        code: 'duplicate_in_register',
        message: `Уже есть в реестре: ${ids.length === 1 ? 'субъект' : 'субъекты'} ${ids.map((id) => `№${id}`).join(', ')} (совпадает ${what}).`,
        personIds: ids,
      };
    }
    if (c.phone) this.#phones.set(c.phone, c.line);
    if (c.email) this.#emails.set(c.email.fold, c.line);
    return null;
  }
}
