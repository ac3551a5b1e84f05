// The registers an inspection asks for (domain.md, "Other duties"), each as columns plus rows
// streamed from SQL with .iterate(): memory holds one row however many there are.
//
// Rules every register follows:
// - a blocked person is still stored, so appears (with a mark); only the marketing list leaves
//   them out;
// - a destroyed person appears only as a tombstone: the id and the act, no other field;
// - each register filters by the local calendar date it naturally has (see `filterNote`).
import { type VerifyResult, verifyAudit } from '../audit.ts';
import { type ConsentEventRow, stateOf } from '../consents.ts';
import { type Ctx, localDate, today } from '../context.ts';
import { daysBetween } from '../deadlines.ts';
import { categoryTitle } from '../destruction.ts';
import { getRequest } from '../requests.ts';
import { type Cell, type Column, localDateOf, localDateTime, localDayStartIso } from './table.ts';

export const registerNames = ['persons', 'consents', 'requests', 'blocks', 'acts', 'audit'] as const;
export type RegisterName = (typeof registerNames)[number];

export interface Period {
  from: string | null;
  to: string | null;
}

export interface Prepared {
  // Lines for the PDF's header and the XLSX's second sheet.
  notes: string[];
  // Rows after the table in CSV and XLSX.
  trailer: Cell[][];
}

export interface RegisterSource {
  title: string;
  // What the period filters on, said once in the file's header.
  filterNote: string;
  columns: readonly Column[];
  // Work done once before the rows (the audit chain's verification, unless the caller verified the
  // chain in the same snapshot and passes the result). May call ctx.job.checkpoint.
  prepare?: (ctx: Ctx, period: Period, known?: { chain?: VerifyResult }) => Prepared;
  count: (ctx: Ctx, period: Period) => number;
  rows: (ctx: Ctx, period: Period) => Iterable<Cell[]>;
}

// ---- words -------------------------------------------------------------------------------------

const sourceLabels: Record<string, string> = {
  website_form: 'форма на сайте',
  callback: 'обратный звонок',
  appointment: 'запись на приём',
  walk_in: 'обращение в регистратуре',
  phone_call: 'телефонный звонок',
  import: 'импорт',
  other: 'другое',
};

export const consentChannelLabels: Record<string, string> = {
  paper: 'бумажный бланк',
  website: 'форма на сайте',
  electronic: 'электронный документ',
  phone: 'по телефону',
  email: 'по электронной почте',
  in_person: 'лично',
  other: 'другое',
};

const consentStateLabels: Record<string, string> = {
  active: 'действует',
  withdrawn: 'отозвано',
  refused: 'субъект отказался дать согласие',
  expired: 'срок действия истёк',
  none: 'согласие не давалось',
};

const requestTypeLabels: Record<string, string> = {
  access: 'запрос сведений',
  correction: 'уточнение данных',
  withdrawal: 'отзыв согласия',
  stop_processing: 'требование прекратить обработку',
  block: 'требование блокирования',
  destroy: 'требование уничтожения',
  regulator_demand: 'запрос уполномоченного органа',
};

const requestChannelLabels: Record<string, string> = {
  in_person: 'лично',
  post: 'почтой',
  email: 'по электронной почте',
  phone: 'по телефону',
  website: 'через сайт',
  regulator: 'от уполномоченного органа',
  other: 'другое',
};

const requesterLabels: Record<string, string> = {
  subject: 'субъект',
  representative: 'представитель субъекта',
  regulator: 'уполномоченный орган',
  operator: 'оператор',
  other: 'другое',
};

const blockReasonLabels: Record<string, string> = {
  inaccurate_data: 'недостоверные данные',
  unlawful_processing: 'неправомерная обработка',
  subject_request: 'требование субъекта',
  representative_request: 'требование представителя',
  regulator_request: 'требование уполномоченного органа',
  destruction_pending: 'ожидает уничтожения',
  other: 'другое',
};

const blockOutcomeLabels: Record<string, string> = {
  corrected: 'данные уточнены, блокировка снята',
  destroyed: 'данные уничтожены',
  unblocked_unconfirmed: 'снята: недостоверность не подтвердилась',
  unblocked_lawful: 'снята: обработка правомерна',
  other: 'снята (другое)',
};

const label = (map: Record<string, string>, code: string | null): string | null => (code === null ? null : (map[code] ?? code));

function tombstone(actNumber: string | null, actDate: string | null, actId: number): string {
  return `данные уничтожены, акт № ${actNumber ?? actId}${actDate ? ` от ${actDate}` : ''}`;
}

// SQL bounds for a period on a stored UTC timestamp (local days) or a stored local date.
function instantBounds(p: Period) {
  return { from: p.from ? localDayStartIso(p.from) : null, to: p.to ? localDayStartIso(p.to, 1) : null };
}
function dateBounds(p: Period) {
  return { from: p.from ?? '0000-01-01', to: p.to ?? '9999-12-31' };
}

// ---- persons -----------------------------------------------------------------------------------

interface PersonRow {
  id: number;
  full_name: string | null;
  phone: string | null;
  email: string | null;
  source: string;
  created_at: string;
  destroyed_act_id: number | null;
  act_number: string | null;
  act_date: string | null;
  blocked: number;
  needs_verification: number;
}

const personsWhere = '(@from IS NULL OR p.created_at >= @from) AND (@to IS NULL OR p.created_at < @to)';

const persons: RegisterSource = {
  title: 'Реестр субъектов персональных данных',
  filterNote: 'Отбор по дате внесения записи в реестр.',
  columns: [
    { header: 'id', kind: 'int', width: 8 },
    { header: 'ФИО', kind: 'text', width: 32 },
    { header: 'телефон', kind: 'phone', width: 16 },
    { header: 'e-mail', kind: 'text', width: 26 },
    { header: 'источник', kind: 'text', width: 22 },
    { header: 'создан', kind: 'datetime', width: 16 },
    { header: 'заблокирован', kind: 'text', width: 12 },
    { header: 'на проверке', kind: 'text', width: 11 },
    { header: 'акт об уничтожении', kind: 'ref', width: 24 },
  ],
  count: (ctx, p) => (ctx.db.prepare(`SELECT count(*) AS n FROM persons p WHERE ${personsWhere}`).get(instantBounds(p)) as { n: number }).n,
  rows: function* (ctx, p) {
    const sql = `
      SELECT p.id, p.full_name, p.phone, p.email, p.source, p.created_at, p.destroyed_act_id,
             a.number AS act_number, a.act_date,
             EXISTS (SELECT 1 FROM blocks b WHERE b.person_id = p.id AND b.ended_at IS NULL) AS blocked,
             EXISTS (SELECT 1 FROM verifications v WHERE v.person_id = p.id AND v.cleared_at IS NULL) AS needs_verification
      FROM persons p LEFT JOIN destruction_acts a ON a.id = p.destroyed_act_id
      WHERE ${personsWhere}
      ORDER BY p.id`;
    for (const r of ctx.db.prepare(sql).iterate(instantBounds(p)) as IterableIterator<PersonRow>) {
      // After destruction only the proof remains: the id and the act.
      if (r.destroyed_act_id !== null) {
        yield [r.id, null, null, null, null, null, null, null, `№ ${r.act_number ?? r.destroyed_act_id} от ${r.act_date ?? ''}`.trim()];
        continue;
      }
      yield [
        r.id,
        r.full_name,
        r.phone,
        r.email,
        label(sourceLabels, r.source),
        localDateTime(r.created_at),
        r.blocked ? 'да' : 'нет',
        r.needs_verification ? 'да' : 'нет',
        null,
      ];
    }
  },
};

// ---- consents ----------------------------------------------------------------------------------

// The state is shown as of the period's end (today for an open or future end): what the consent
// was when the period closed.
function asOf(ctx: Ctx, p: Period): string {
  const t = today(ctx);
  return p.to && p.to < t ? p.to : t;
}

interface ConsentScanRow {
  id: number;
  person_id: number;
  purpose_id: number;
  kind: ConsentEventRow['kind'];
  effective_date: string;
  channel: string;
  form_version: string | null;
  paper_form_number: string | null;
  received_by: number | null;
  valid_until: string | null;
  representative_name: string | null;
  representative_authority: string | null;
  full_name: string | null;
  phone: string | null;
  destroyed_act_id: number | null;
  act_number: string | null;
  act_date: string | null;
  blocked: number;
}

// One pass over the events in the order of their index (person, purpose, date, id): each person
// and purpose is a run of rows whose last row is the current state and whose last "given" is the
// evidence — the same order consent_current uses. A pair belongs to the period when any of its
// events falls in it. A destroyed person is one tombstone row, not one per purpose.
const consentScanSql = `
  SELECT e.id, e.person_id, e.purpose_id, e.kind, e.effective_date, e.channel, e.form_version, e.paper_form_number, e.received_by,
         e.valid_until, e.representative_name, e.representative_authority,
         p.full_name, p.phone, p.destroyed_act_id, a.number AS act_number, a.act_date, b.id IS NOT NULL AS blocked
  FROM consent_events e
  JOIN persons p ON p.id = e.person_id
  LEFT JOIN destruction_acts a ON a.id = p.destroyed_act_id
  LEFT JOIN blocks b ON b.person_id = e.person_id AND b.ended_at IS NULL
  WHERE e.effective_date <= @asOf
  ORDER BY e.person_id, e.purpose_id, e.effective_date, e.id`;

const consents: RegisterSource = {
  title: 'Реестр согласий на обработку персональных данных',
  filterNote: 'Отбор: согласия, по которым в периоде было событие (дано, продлено, отозвано, отказ); состояние — на конец периода.',
  columns: [
    { header: 'id субъекта', kind: 'int', width: 8 },
    { header: 'ФИО', kind: 'text', width: 28 },
    { header: 'телефон', kind: 'phone', width: 15 },
    { header: 'цель обработки', kind: 'text', width: 30 },
    { header: 'состояние', kind: 'text', width: 14 },
    { header: 'дата согласия', kind: 'date', width: 11 },
    { header: 'действует до', kind: 'date', width: 11 },
    { header: 'дата отзыва или отказа', kind: 'date', width: 11 },
    { header: 'способ получения', kind: 'text', width: 14 },
    { header: 'версия бланка', kind: 'ref', width: 8 },
    { header: 'номер бланка', kind: 'ref', width: 8 },
    { header: 'SHA-256 скана', kind: 'ref', width: 14 },
    { header: 'принял', kind: 'text', width: 22 },
    { header: 'представитель', kind: 'text', width: 24 },
    { header: 'отметки', kind: 'text', width: 22 },
  ],
  // An upper bound read from the index alone (a destroyed person's purposes collapse into one row).
  count: (ctx, p) =>
    (
      ctx.db
        .prepare(
          'SELECT count(*) AS n FROM (SELECT DISTINCT person_id, purpose_id FROM consent_events WHERE effective_date >= @from AND effective_date <= @to)',
        )
        .get(dateBounds(p)) as { n: number }
    ).n,
  rows: function* (ctx, p) {
    const onDate = asOf(ctx, p);
    const { from, to } = dateBounds(p);
    const purposeTitles = new Map(
      (ctx.db.prepare('SELECT id, title_ru FROM purposes').all() as { id: number; title_ru: string }[]).map((r) => [r.id, r.title_ru]),
    );
    const userNames = new Map((ctx.db.prepare('SELECT id, full_name FROM users').all() as { id: number; full_name: string }[]).map((r) => [r.id, r.full_name]));
    // Most registers hold few scans or none: skip a lookup per row when there is nothing to find.
    const anyScans = ctx.db.prepare('SELECT 1 FROM scans LIMIT 1').get() !== undefined;
    const scansOf = ctx.db.prepare("SELECT group_concat(sha256, ' ') AS s FROM scans WHERE person_id = ? AND consent_event_id = ?").pluck();

    let last: ConsentScanRow | null = null;
    let given: ConsentScanRow | null = null;
    let inPeriod = false;
    let lastTombstone = 0;
    const emit = (cur: ConsentScanRow): Cell[] | null => {
      if (!inPeriod) return null;
      if (cur.destroyed_act_id !== null) {
        if (lastTombstone === cur.person_id) return null;
        lastTombstone = cur.person_id;
        return [
          cur.person_id,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          tombstone(cur.act_number, cur.act_date, cur.destroyed_act_id),
        ];
      }
      const state = stateOf(cur as unknown as ConsentEventRow, onDate);
      const representative = given?.representative_name ? [given.representative_name, given.representative_authority].filter(Boolean).join(', ') : null;
      return [
        cur.person_id,
        cur.full_name,
        cur.phone,
        purposeTitles.get(cur.purpose_id) ?? String(cur.purpose_id),
        consentStateLabels[state] ?? state,
        given?.effective_date ?? null,
        given?.valid_until ?? null,
        cur.kind === 'withdrawn' || cur.kind === 'refused' ? cur.effective_date : null,
        given ? label(consentChannelLabels, given.channel) : null,
        given?.form_version ?? null,
        given?.paper_form_number ?? null,
        given && anyScans ? ((scansOf.get(given.person_id, given.id) as string | null) ?? null) : null,
        given?.received_by ? (userNames.get(given.received_by) ?? null) : null,
        representative,
        cur.blocked ? 'запись заблокирована' : null,
      ];
    };
    for (const r of ctx.db.prepare(consentScanSql).iterate({ asOf: onDate }) as IterableIterator<ConsentScanRow>) {
      if (last !== null && (r.person_id !== last.person_id || r.purpose_id !== last.purpose_id)) {
        const row = emit(last);
        if (row) yield row;
        given = null;
        inPeriod = false;
      }
      last = r;
      if (r.kind === 'given' || r.kind === 'renewed') given = r;
      if (r.effective_date >= from && r.effective_date <= to) inPeriod = true;
    }
    if (last !== null) {
      const row = emit(last);
      if (row) yield row;
    }
  },
};

// ---- requests journal --------------------------------------------------------------------------

const requests: RegisterSource = {
  title: 'Журнал учёта обращений субъектов персональных данных',
  filterNote: 'Отбор по дате получения обращения. Срок ответа и просрочка рассчитаны по правилу, действовавшему при регистрации обращения.',
  columns: [
    { header: '№', kind: 'int', width: 6 },
    { header: 'дата получения', kind: 'date', width: 11 },
    { header: 'вид обращения', kind: 'text', width: 22 },
    { header: 'id субъекта', kind: 'int', width: 8 },
    { header: 'кто обратился', kind: 'text', width: 26 },
    { header: 'способ получения', kind: 'text', width: 14 },
    { header: 'срок ответа', kind: 'date', width: 11 },
    { header: 'продление срока', kind: 'text', width: 24 },
    { header: 'дата ответа', kind: 'date', width: 11 },
    { header: 'ответ', kind: 'text', width: 32 },
    { header: 'просрочка, дней', kind: 'int', width: 9 },
    { header: 'состояние', kind: 'text', width: 12 },
    { header: 'основание срока', kind: 'text', width: 20 },
  ],
  count: (ctx, p) =>
    (ctx.db.prepare('SELECT count(*) AS n FROM requests WHERE received_at >= @from AND received_at <= @to').get(dateBounds(p)) as { n: number }).n,
  rows: function* (ctx, p) {
    const stmt = ctx.db.prepare('SELECT id FROM requests WHERE received_at >= @from AND received_at <= @to ORDER BY received_at, id');
    for (const { id } of stmt.iterate(dateBounds(p)) as IterableIterator<{ id: number }>) {
      // The journal's own reader: due dates and lateness are exactly what the desk sees.
      const r = getRequest(ctx, id);
      const answeredOn = r.closedAt ? localDate(new Date(r.closedAt)) : null;
      let daysLate: number | null = null;
      if (r.status === 'closed' && r.answeredLate && answeredOn) daysLate = daysBetween(r.due, answeredOn);
      if (r.status === 'open' && r.overdue && r.calendarDaysLeft !== null) daysLate = -r.calendarDaysLeft;
      const requester = [label(requesterLabels, r.requesterKind), r.requester].filter(Boolean).join(': ');
      const extension = r.extended
        ? `продлён ${localDateOf(r.extendedAt) ?? ''} до ${r.due}${r.extensionNotice ? `; уведомление: ${r.extensionNotice}` : ''}`
        : null;
      const state = r.status === 'closed' ? (r.answeredLate ? 'закрыто с опозданием' : 'закрыто') : r.overdue ? 'просрочено' : 'в работе';
      yield [
        r.id,
        r.receivedAt,
        label(requestTypeLabels, r.type),
        r.personId,
        requester,
        label(requestChannelLabels, r.channel),
        r.due,
        extension,
        answeredOn,
        r.answer,
        daysLate,
        state,
        `${r.legalRef}${r.provisional ? ' (срок предварительный: нет производственного календаря)' : ''}`,
      ];
    }
  },
};

// ---- blocks ------------------------------------------------------------------------------------

interface BlockJoinRow {
  id: number;
  person_id: number;
  full_name: string | null;
  destroyed_act_id: number | null;
  act_number: string | null;
  act_date: string | null;
  reason: string;
  requested_by: string;
  request_id: number | null;
  note: string | null;
  began_at: string;
  began_by_name: string | null;
  ended_at: string | null;
  ended_by_name: string | null;
  outcome: string | null;
  outcome_note: string | null;
}

const blocksWhere = '(@from IS NULL OR b.began_at >= @from) AND (@to IS NULL OR b.began_at < @to)';

const blocks: RegisterSource = {
  title: 'Журнал блокирования персональных данных',
  filterNote: 'Отбор по дате начала блокирования.',
  columns: [
    { header: '№', kind: 'int', width: 6 },
    { header: 'id субъекта', kind: 'int', width: 8 },
    { header: 'ФИО', kind: 'text', width: 26 },
    { header: 'причина', kind: 'text', width: 20 },
    { header: 'по чьему требованию', kind: 'text', width: 16 },
    { header: 'обращение №', kind: 'int', width: 8 },
    { header: 'начало', kind: 'datetime', width: 16 },
    { header: 'заблокировал', kind: 'text', width: 20 },
    { header: 'окончание', kind: 'datetime', width: 16 },
    { header: 'снял', kind: 'text', width: 20 },
    { header: 'исход', kind: 'text', width: 22 },
    { header: 'примечание', kind: 'text', width: 24 },
  ],
  count: (ctx, p) => (ctx.db.prepare(`SELECT count(*) AS n FROM blocks b WHERE ${blocksWhere}`).get(instantBounds(p)) as { n: number }).n,
  rows: function* (ctx, p) {
    const sql = `
      SELECT b.id, b.person_id, p.full_name, p.destroyed_act_id, a.number AS act_number, a.act_date, b.reason, b.requested_by, b.request_id, b.note,
             b.began_at, ub.full_name AS began_by_name, b.ended_at, ue.full_name AS ended_by_name, b.outcome, b.outcome_note
      FROM blocks b JOIN persons p ON p.id = b.person_id
      LEFT JOIN destruction_acts a ON a.id = p.destroyed_act_id
      LEFT JOIN users ub ON ub.id = b.began_by
      LEFT JOIN users ue ON ue.id = b.ended_by
      WHERE ${blocksWhere}
      ORDER BY b.began_at, b.id`;
    for (const r of ctx.db.prepare(sql).iterate(instantBounds(p)) as IterableIterator<BlockJoinRow>) {
      const destroyed = r.destroyed_act_id !== null;
      // The block's own facts (reason, dates, outcome) are not the person's data and prove what
      // happened; the name is gone, and the act stands in its place.
      const note = destroyed ? tombstone(r.act_number, r.act_date, r.destroyed_act_id!) : [r.note, r.outcome_note].filter(Boolean).join('; ') || null;
      yield [
        r.id,
        r.person_id,
        destroyed ? null : r.full_name,
        label(blockReasonLabels, r.reason),
        label(requesterLabels, r.requested_by),
        r.request_id,
        localDateTime(r.began_at),
        r.began_by_name,
        localDateTime(r.ended_at),
        r.ended_by_name,
        r.ended_at === null ? 'действует' : label(blockOutcomeLabels, r.outcome),
        note,
      ];
    }
  },
};

// ---- destruction acts with log extracts ---------------------------------------------------------

interface ActSubjectRow {
  act_id: number;
  number: string;
  act_date: string;
  operator_name: string;
  operator_address: string;
  processor_name: string | null;
  processor_address: string | null;
  destroyed_by: string;
  categories: string;
  paper_media: string;
  information_system: string;
  method: string;
  reason: string;
  subject_ref: string;
  subject_categories: string;
  audit_id: number | null;
  audit_at: string | null;
  audit_details: string | null;
}

const acts: RegisterSource = {
  title: 'Акты об уничтожении персональных данных и выписки из журнала событий',
  filterNote: 'Отбор по дате акта. Одна строка — один субъект акта (выписка из журнала событий); поля акта — по приказу Роскомнадзора № 179.',
  columns: [
    { header: '№ акта', kind: 'ref', width: 12 },
    { header: 'дата акта', kind: 'date', width: 11 },
    { header: 'оператор', kind: 'text', width: 26 },
    { header: 'обработчик', kind: 'text', width: 18 },
    { header: 'уничтожили (ФИО, должность)', kind: 'text', width: 24 },
    { header: 'категории уничтоженных данных', kind: 'text', width: 26 },
    { header: 'бумажные носители', kind: 'text', width: 14 },
    { header: 'информационная система', kind: 'text', width: 18 },
    { header: 'способ уничтожения', kind: 'text', width: 20 },
    { header: 'причина', kind: 'text', width: 18 },
    { header: 'идентификатор субъекта', kind: 'ref', width: 11 },
    { header: 'категории данных субъекта', kind: 'text', width: 24 },
    { header: 'запись журнала №', kind: 'int', width: 8 },
    { header: 'время записи', kind: 'datetime', width: 15 },
  ],
  count: (ctx, p) =>
    (
      ctx.db
        .prepare('SELECT count(*) AS n FROM act_subjects s JOIN destruction_acts a ON a.id = s.act_id WHERE a.act_date >= @from AND a.act_date <= @to')
        .get(dateBounds(p)) as { n: number }
    ).n,
  rows: function* (ctx, p) {
    // The extract is read from the event log itself: the 'person.destroy' row of each subject.
    const sql = `
      SELECT a.id AS act_id, a.number, a.act_date, a.operator_name, a.operator_address, a.processor_name, a.processor_address,
             a.destroyed_by, a.categories, a.paper_media, a.information_system, a.method, a.reason,
             s.subject_ref, s.categories AS subject_categories,
             l.id AS audit_id, l.at AS audit_at, l.details AS audit_details
      FROM act_subjects s JOIN destruction_acts a ON a.id = s.act_id
      LEFT JOIN audit l ON l.id = (SELECT max(x.id) FROM audit x WHERE x.entity = 'person' AND x.entity_id = s.person_id AND x.action = 'person.destroy')
      WHERE a.act_date >= @from AND a.act_date <= @to
      ORDER BY a.act_date, a.id, s.person_id`;
    for (const r of ctx.db.prepare(sql).iterate(dateBounds(p)) as IterableIterator<ActSubjectRow>) {
      const people = (JSON.parse(r.destroyed_by) as { fullName: string; position: string }[]).map((d) => `${d.fullName}, ${d.position}`).join('; ');
      const media = (JSON.parse(r.paper_media) as { name: string; sheets: number }[]).map((m) => `${m.name} — ${m.sheets} л.`).join('; ');
      const logged = r.audit_details ? (JSON.parse(r.audit_details) as { categories?: string[] }).categories : undefined;
      const subjectCategories = logged ?? (JSON.parse(r.subject_categories) as string[]);
      yield [
        r.number,
        r.act_date,
        `${r.operator_name}, ${r.operator_address}`,
        r.processor_name ? `${r.processor_name}, ${r.processor_address ?? ''}` : 'не привлекался',
        people,
        (JSON.parse(r.categories) as string[]).map(categoryTitle).join('; '),
        media || 'не использовались',
        r.information_system,
        r.method,
        r.reason,
        r.subject_ref,
        subjectCategories.map(categoryTitle).join('; '),
        r.audit_id,
        localDateTime(r.audit_at),
      ];
    }
  },
};

// ---- audit log extract -------------------------------------------------------------------------

interface AuditJoinRow {
  id: number;
  at: string;
  login: string | null;
  user_name: string | null;
  action: string;
  entity: string | null;
  entity_id: number | null;
  details: string;
}

const auditWhere = '(@from IS NULL OR l.at >= @from) AND (@to IS NULL OR l.at < @to)';

export function chainText(ctx: Ctx, known?: VerifyResult): string {
  // The whole chain, not only the period: an extract is only as good as the log it came from.
  const result = known ?? verifyAudit(ctx.db, ctx.registerId, ctx.job ? { progress: () => {}, checkpoint: ctx.job.checkpoint } : undefined);
  return result.ok
    ? `Проверка цепочки хешей журнала событий: цепочка цела, записей ${result.rows}, вершина цепочки ${result.head}.`
    : `Проверка цепочки хешей журнала событий: НАРУШЕНА — ${result.message}`;
}

const auditLog: RegisterSource = {
  title: 'Выписка из журнала событий',
  filterNote: 'Отбор по времени события (местная дата).',
  columns: [
    { header: '№ записи', kind: 'int', width: 8 },
    { header: 'время', kind: 'datetime', width: 16 },
    { header: 'пользователь', kind: 'ref', width: 12 },
    { header: 'сотрудник', kind: 'text', width: 24 },
    { header: 'действие', kind: 'ref', width: 18 },
    { header: 'объект', kind: 'ref', width: 12 },
    { header: 'id объекта', kind: 'int', width: 8 },
    { header: 'подробности', kind: 'text', width: 60 },
  ],
  prepare: (ctx, _period, known) => {
    const text = chainText(ctx, known?.chain);
    return { notes: [text], trailer: [[text]] };
  },
  count: (ctx, p) => (ctx.db.prepare(`SELECT count(*) AS n FROM audit l WHERE ${auditWhere}`).get(instantBounds(p)) as { n: number }).n,
  rows: function* (ctx, p) {
    const sql = `
      SELECT l.id, l.at, l.login, u.full_name AS user_name, l.action, l.entity, l.entity_id, l.details
      FROM audit l LEFT JOIN users u ON u.id = l.user_id
      WHERE ${auditWhere}
      ORDER BY l.id`;
    for (const r of ctx.db.prepare(sql).iterate(instantBounds(p)) as IterableIterator<AuditJoinRow>) {
      yield [r.id, localDateTime(r.at), r.login, r.user_name, r.action, r.entity, r.entity_id, r.details === '{}' ? null : r.details];
    }
  },
};

export const registers: Record<RegisterName, RegisterSource> = {
  persons,
  consents,
  requests,
  blocks,
  acts,
  audit: auditLog,
};
