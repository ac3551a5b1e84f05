import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { Ctx } from './context.ts';
import { indexedPrefixLength, nameHasWords, nameMatchExpression, planSearch, searchPersons, searchSql } from './search.ts';

let reg: TestRegister;
let ids: Record<string, number>;

const people = {
  ivanov: { fullName: 'Иванов Пётр Сергеевич', phone: '8 (916) 123-45-67', email: 'Ivan.Petrov@Mail.RU' },
  fedorova: { fullName: 'Фёдорова Алёна Викторовна', phone: '+7 701 555 12 34', email: 'alena.f@inbox.kz' },
  fedorov: { fullName: 'Федоров Семен', phone: '8 495 987 65 43', email: 'ivan.petrova@example.com' },
  kairat: { fullName: 'Әбдірахманов Қайрат Нұрланұлы', phone: '8 777 246 80 13', email: 'Қайрат@Клиника.КЗ' },
  umit: { fullName: 'Ұзақова Үміт', phone: '8 (7172) 55-66-77' },
  galym: { fullName: 'Іскаков Ғалым Өмірзақұлы', email: 'galym_i@mail.kz' },
  zhanyl: { fullName: 'Жаңабаева Жаңыл Һашимқызы' },
  smith: { fullName: 'Smith John', email: 'john.smith@example.com' },
  obrien: { fullName: "O'Brien Mary", email: 'mary@example.ie' },
  mamin: { fullName: 'Мамин-Сибиряк Дмитрий', phone: '8 916 000 70 17' },
} as const;

beforeEach(async () => {
  reg = await makeRegister();
  ids = {};
  for (const [key, p] of Object.entries(people)) {
    ids[key] = (await call(reg.desk.ctx, 'person.add', { ...p, source: 'walk_in' })).id;
  }
});
afterEach(() => reg?.cleanup());

async function find(query: string, limit?: number): Promise<{ mode: string; items: { id: number; fullName: string }[]; more: boolean }> {
  return call(reg.desk.ctx, 'person.find', { query, ...(limit ? { limit } : {}) });
}

async function found(query: string): Promise<string[]> {
  const keyOf = new Map(Object.entries(ids).map(([k, id]) => [id, k]));
  return (await find(query)).items.map((p) => keyOf.get(p.id) ?? `#${p.id}`).sort();
}

describe('search by name', () => {
  it('finds by the start of any word, whatever the case of Cyrillic letters', async () => {
    expect(await found('иванов')).toEqual(['ivanov']);
    expect(await found('ИВАН')).toEqual(['ivanov']);
    expect(await found('иВа')).toEqual(['ivanov']);
    expect(await found('серг')).toEqual(['ivanov']);
    expect(await found('вик')).toEqual(['fedorova']);
    // a prefix, not a substring
    expect(await found('ванов')).toEqual([]);
  });

  it('folds the case of Kazakh letters', async () => {
    expect(await found('әбд')).toEqual(['kairat']);
    expect(await found('ӘБДІРАХМАНОВ')).toEqual(['kairat']);
    expect(await found('қайр')).toEqual(['kairat']);
    expect(await found('ҚАЙР')).toEqual(['kairat']);
    expect(await found('НҰРЛ')).toEqual(['kairat']);
    expect(await found('ұзақ')).toEqual(['umit']);
    expect(await found('ҮМІТ')).toEqual(['umit']);
    expect(await found('іск')).toEqual(['galym']);
    expect(await found('ғал')).toEqual(['galym']);
    expect(await found('ӨМІР')).toEqual(['galym']);
    expect(await found('ЖАҢ')).toEqual(['zhanyl']);
    expect(await found('һаш')).toEqual(['zhanyl']);
  });

  it('treats ё and е as the same letter in both directions', async () => {
    expect(await found('федор')).toEqual(['fedorov', 'fedorova']);
    expect(await found('фёдор')).toEqual(['fedorov', 'fedorova']);
    expect(await found('ФЁДОРОВА')).toEqual(['fedorova']);
    expect(await found('алена')).toEqual(['fedorova']);
    expect(await found('АЛЁНА')).toEqual(['fedorova']);
    expect(await found('семён')).toEqual(['fedorov']);
    expect(await found('пет')).toEqual(['ivanov']);
    expect(await found('пёт')).toEqual(['ivanov']);
  });

  it('finds Latin names, including one that may also start an e-mail', async () => {
    expect(await found('smi')).toEqual(['smith']);
    expect(await found('JOHN')).toEqual(['smith']);
    expect((await find('john')).mode).toBe('name_or_email');
    expect(await found("o'brien")).toEqual(['obrien']);
    expect(await found('brien')).toEqual(['obrien']);
    // "ivan" is no one's name here but starts two addresses
    expect(await found('ivan')).toEqual(['fedorov', 'ivanov']);
  });

  it('ANDs several word prefixes in any order', async () => {
    expect(await found('ив пет')).toEqual(['ivanov']);
    expect(await found('пет ив')).toEqual(['ivanov']);
    expect(await found('Иванов Пётр Сергеевич')).toEqual(['ivanov']);
    expect(await found('ив алё')).toEqual([]);
    expect(await found('федор сем')).toEqual(['fedorov']);
    expect(await found('мамин-сиб')).toEqual(['mamin']);
    expect(await found('сибиряк дм')).toEqual(['mamin']);
  });

  it('reads nothing the desk types as search syntax', async () => {
    const odd = [
      '"',
      '""',
      '"""',
      '*',
      '**',
      '"ив*',
      'ив"ан',
      '(',
      ')',
      '(ив',
      'ив)',
      'AND',
      'OR',
      'NOT',
      'NEAR(ив пет)',
      '^ив',
      'name:ив',
      '-ив',
      '+',
      '%',
      '_',
      '\\',
      "'",
      "';--",
      '@',
      '@@',
      '{name}: ив',
      'ив*ан',
      '"*"',
      'ив OR пет',
      'ив AND',
      'NOT ив',
      '\u0000',
      '\u{10FFFF}',
      '😀',
      'ив пет сер ива пет сер ив пет сер',
    ];
    for (const q of odd) {
      await expect(find(q), q).resolves.toMatchObject({ items: expect.any(Array) });
    }
    expect(await found('^ив')).toEqual(['ivanov']);
    expect(await found('ив*')).toEqual(['ivanov']);
    expect(await found('(ив')).toEqual(['ivanov']);
    expect(await found('"ив"')).toEqual(['ivanov']);
    expect(await found('NOT ив')).toEqual([]);
    expect(nameMatchExpression('ив"ан пет')).toBe('"ив"* AND "ан"* AND "пет"*');
    expect(nameMatchExpression('*()"')).toBeNull();
  });
});

describe('words longer than the prefix indexes', () => {
  function insertMany(names: string[]): number[] {
    const db = reg.desk.ctx.db;
    const insert = db.prepare(
      "INSERT INTO persons (full_name, source, created_by, created_at, updated_at) VALUES (?, 'import', ?, '2026-02-16T06:00:00.000Z', '2026-02-16T06:00:00.000Z')",
    );
    return db.transaction(() => names.map((n) => Number(insert.run(n, reg.desk.ctx.actor.id).lastInsertRowid)))();
  }

  // What FTS5 itself answers for the whole words, read without a limit.
  function exact(query: string): number[] {
    const expr = nameMatchExpression(query);
    return (reg.desk.ctx.db.prepare(searchSql.name).all(expr, 1_000_000) as { id: number }[]).map((r) => r.id).sort((a, b) => a - b);
  }

  it('are narrowed through the 6-letter index and checked word by word', async () => {
    expect(indexedPrefixLength).toBe(6);
    expect(planSearch('Александровна', 'RU')).toEqual({
      mode: 'name',
      nameMatch: '"Александровна"*',
      nameNarrow: '"Алекса"*',
      nameWords: ['александровна'],
    });
    expect(planSearch('алекс ив', 'RU')).toEqual({ mode: 'name', nameMatch: '"алекс"* AND "ив"*' });
    expect(nameHasWords('Фёдорова Алёна', ['федорова', 'ал'])).toBe(true);
    expect(nameHasWords('ӘБДІРАХМАНОВ Қайрат', ['әбдірахм'])).toBe(true);
    expect(nameHasWords('Мамин-Сибиряк Дмитрий', ['сибиряк'])).toBe(true);
    expect(nameHasWords('Александрова Анна', ['александровна'])).toBe(false);
    insertMany(['Александр Первый', 'Александра Вторая', 'Александровна Третья', 'Алексеев Четвёртый', 'Алексанян Пятый', 'Петров Александрович']);
    for (const q of ['александр', 'АЛЕКСАНДРОВ', 'александровна', 'алексан', 'алексеев', 'петров александр', 'александр пет', 'ӘБДІРАХМАНОВ', 'федорова']) {
      const r = await find(q, 200);
      expect(
        r.items.map((p) => p.id).sort((a, b) => a - b),
        q,
      ).toEqual(exact(q));
      expect(r.items.length, q).toBeGreaterThan(0);
    }
    expect((await find('александровна')).items.map((p) => p.fullName)).toEqual(['Александровна Третья']);
  });

  it('a rare long word among many sharing its first letters is still found', async () => {
    const [oldest] = insertMany(['Ивановский Пётр']);
    insertMany(Array.from({ length: 1100 }, (_, i) => `Иванов Тест${i}`));
    const r = await find('ивановск');
    expect(r).toMatchObject({ mode: 'name', more: false });
    expect(r.items.map((p) => p.id)).toEqual([oldest]);
    const many = await find('иванов', 10);
    expect(many.items).toHaveLength(10);
    expect(many.more).toBe(true);
    const full = await find('Ивановский Пётр');
    expect(full.items.map((p) => p.id)).toEqual([oldest]);
  });

  it('fill the page newest first and say when there are more', async () => {
    const ids = insertMany(Array.from({ length: 30 }, (_, i) => `Александров Сын${i}`));
    const r = await find('александров', 5);
    expect(r.more).toBe(true);
    expect(r.items.map((p) => p.id).sort((a, b) => a - b)).toEqual(ids.slice(-5));
  });
});

describe('search by phone', () => {
  it('finds three or more digits anywhere in the number', async () => {
    expect(await found('123')).toEqual(['fedorova', 'ivanov']);
    expect(await found('234567')).toEqual(['ivanov']);
    expect(await found('45 67')).toEqual(['ivanov']);
    expect(await found('555-12')).toEqual(['fedorova']);
    expect(await found('(7172) 55')).toEqual(['umit']);
    expect(await found('987 65 43')).toEqual(['fedorov']);
    expect(await found('999')).toEqual([]);
  });

  it('finds a number typed from the start with 8 or +7', async () => {
    expect(await found('8701')).toEqual(['fedorova']);
    expect(await found('8 (701) 555')).toEqual(['fedorova']);
    expect(await found('+7 701 555')).toEqual(['fedorova']);
    expect(await found('89161234567')).toEqual(['ivanov']);
    expect(await found('+79161234567')).toEqual(['ivanov']);
    expect(await found('87772468013')).toEqual(['kairat']);
  });

  it('needs at least three digits', async () => {
    expect(await find('12')).toEqual({ mode: 'none', items: [], more: false });
    expect(await find('(7)')).toEqual({ mode: 'none', items: [], more: false });
  });
});

describe('search by e-mail', () => {
  it('finds by the start of the address, without regard to case', async () => {
    expect(await found('ivan.p')).toEqual(['fedorov', 'ivanov']);
    expect(await found('IVAN.PETROV@')).toEqual(['ivanov']);
    expect(await found('Ivan.Petrov@mail.ru')).toEqual(['ivanov']);
    expect(await found('ivan.petrova')).toEqual(['fedorov']);
    expect(await found('ivan.petrow')).toEqual([]);
    expect(await found('galym_')).toEqual(['galym']);
    expect(await found('қайрат@')).toEqual(['kairat']);
    expect(await found('ҚАЙРАТ@КЛИНИКА')).toEqual(['kairat']);
    // the start of the address only, not its domain
    expect(await found('@mail.ru')).toEqual([]);
    expect((await find('ivan.p')).mode).toBe('email');
  });

  it('orders e-mail matches by address', async () => {
    expect((await find('ivan.')).items.map((p) => p.id)).toEqual([ids.ivanov, ids.fedorov]);
  });
});

describe('results', () => {
  it('carry the contact data and the block and verification flags', async () => {
    const ctx = reg.desk.ctx;
    ctx.db
      .prepare(
        "INSERT INTO blocks (person_id, reason, requested_by, began_at, began_by) VALUES (?, 'subject_request', 'subject', '2026-02-16T06:00:00.000Z', ?)",
      )
      .run(ids.ivanov, ctx.actor.id);
    ctx.db.prepare("INSERT INTO verifications (person_id, marked_at, marked_by) VALUES (?, '2026-02-16T06:00:00.000Z', ?)").run(ids.fedorova, ctx.actor.id);
    const r = await find('ив');
    expect(r).toEqual({
      mode: 'name',
      more: false,
      items: [
        { id: ids.ivanov, fullName: 'Иванов Пётр Сергеевич', phone: '+79161234567', email: 'Ivan.Petrov@Mail.RU', blocked: true, needsVerification: false },
      ],
    });
    expect((await find('алё')).items[0]).toMatchObject({ id: ids.fedorova, blocked: false, needsVerification: true });
  });

  it('return at most `limit` people and say when there are more', async () => {
    for (let i = 0; i < 5; i++) await call(reg.desk.ctx, 'person.add', { fullName: `Ивашкин Сын${i}`, source: 'walk_in' });
    const r = await find('ива', 3);
    expect(r.items).toHaveLength(3);
    expect(r.more).toBe(true);
    const all = await find('ива', 6);
    expect(all.items).toHaveLength(6);
    expect(all.more).toBe(false);
    await expect(find('ива', 201)).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('follow edits and never show destroyed people', async () => {
    const ctx = reg.desk.ctx;
    await call(ctx, 'person.edit', { id: ids.smith, fullName: 'Smythe Jonathan', phone: '+7 916 444 55 66' });
    expect(await found('smith')).toEqual([]);
    expect(await found('smyth')).toEqual(['smith']);
    expect(await found('444 55')).toEqual(['smith']);
    const db = reg.manager.ctx.db;
    const act = db
      .prepare(
        `INSERT INTO destruction_acts (number, act_date, operator_name, operator_address, destroyed_by, categories, information_system, method, reason, retain_until, created_by, created_at)
         VALUES ('А-1', '2026-02-16', 'ООО', 'адрес', '["Руководова М. П."]', '["ФИО"]', 'Privacy Desk', 'стирание', 'отзыв согласия', '2029-02-16', ?, '2026-02-16T06:00:00.000Z')`,
      )
      .run(reg.manager.ctx.actor.id).lastInsertRowid;
    db.prepare('UPDATE persons SET full_name = NULL, phone = NULL, email = NULL, email_fold = NULL, destroyed_act_id = ? WHERE id = ?').run(act, ids.ivanov);
    expect(await found('иванов')).toEqual([]);
    expect(await found('123 45')).toEqual([]);
    expect(await found('ivan.petrov@')).toEqual([]);
    expect(db.prepare(`SELECT rowid FROM person_names WHERE person_names MATCH '"иванов"*'`).all()).toEqual([]);
    expect(db.prepare(`SELECT rowid FROM person_phones WHERE person_phones MATCH '"1234567"'`).all()).toEqual([]);
  });
});

describe('query plans', () => {
  function plan(ctx: Ctx, sql: string, params: unknown[]): string[] {
    return (ctx.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  }

  it('every search is driven by an index and needs no sort', () => {
    const ctx = reg.desk.ctx;
    const name = plan(ctx, searchSql.name, ['"ив"*', 51]);
    expect(name[0]).toMatch(/^SCAN person_names VIRTUAL TABLE INDEX/);
    expect(name).toContain('SEARCH p USING INTEGER PRIMARY KEY (rowid=?)');
    const phone = plan(ctx, searchSql.phone, ['"701"', 51]);
    expect(phone[0]).toMatch(/^SCAN person_phones VIRTUAL TABLE INDEX/);
    expect(phone).toContain('SEARCH p USING INTEGER PRIMARY KEY (rowid=?)');
    const candidates = plan(ctx, searchSql.nameCandidates, ['"алекса"*', 1000]);
    expect(candidates[0]).toMatch(/^SCAN person_names VIRTUAL TABLE INDEX/);
    expect(candidates).toContain('SEARCH p USING INTEGER PRIMARY KEY (rowid=?)');
    expect(candidates.join('\n')).not.toMatch(/TEMP B-TREE|SCAN p\b/);
    const byIds = plan(ctx, searchSql.byIds, ['[1,2]']);
    expect(byIds.join('\n')).toMatch(/SEARCH p USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(byIds.join('\n')).not.toMatch(/SCAN p\b/);
    const email = plan(ctx, searchSql.email, ['ivan', 'ivan\u{10FFFF}', 51]);
    expect(email[0]).toBe('SEARCH p USING INDEX persons_email_fold (email_fold>? AND email_fold<?)');
    for (const p of [name, phone, email]) {
      expect(p.join('\n')).not.toMatch(/TEMP B-TREE|SCAN p\b/);
      expect(p).toContain('SEARCH b USING INDEX blocks_one_open (person_id=?)');
      expect(p).toContain('SEARCH v USING INDEX verifications_one_open (person_id=?)');
    }
  });

  it('sends each query down the right path', () => {
    expect(planSearch('Иванов', 'RU')).toEqual({ mode: 'name', nameMatch: '"Иванов"*' });
    expect(planSearch('8 (701) 12', 'KZ')).toEqual({ mode: 'phone', phoneMatch: '"870112" OR "770112"' });
    expect(planSearch('701-12', 'RU')).toEqual({ mode: 'phone', phoneMatch: '"70112"' });
    expect(planSearch('Ivan@Mail', 'RU')).toEqual({ mode: 'email', emailRange: ['ivan@mail', 'ivan@mail\u{10FFFF}'] });
    expect(planSearch('ivan_p', 'RU').mode).toBe('email');
    expect(planSearch('ivan', 'RU').mode).toBe('name_or_email');
    expect(planSearch('  ', 'RU')).toEqual({ mode: 'none' });
    expect(searchPersons(reg.desk.ctx.db, 'Фёдор', { limit: 50, jurisdiction: 'RU' }).items.map((p) => p.fullName)).toEqual([
      'Федоров Семен',
      'Фёдорова Алёна Викторовна',
    ]);
  });
});
