// Working-day calendars per country and year: public holidays on weekdays and weekend days made
// working by transfer decrees, each calendar with its source and whether it is confirmed. A
// deadline crossing a year with no calendar is computed as provisional and says so.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { Chip } from '../../../components/Chip.tsx';
import { Dialog, DialogButtons } from '../../../components/Dialog.tsx';
import { Field, SelectField, TextAreaField } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { formatDate } from '../../../format/date.ts';
import { toast } from '../../../state/toast.ts';
import { formatDateList, misplaced, parseDateList } from '../lib/dates-list.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type Calendar = OperationResult<'calendar.list'>[number];
type Country = 'RU' | 'KZ';

export function CalendarsSection() {
  const { t } = useTranslation();
  const client = useClient();
  const { state, reload } = useLoader(() => client.call('calendar.list', {}), [client]);
  const [editing, setEditing] = useState<Calendar | { country: Country; year: number } | null>(null);
  const nextYear = (list: Calendar[], country: Country) =>
    Math.max(new Date().getFullYear(), ...list.filter((c) => c.country === country).map((c) => c.year + 1));
  return (
    <Section title={t('office.settings.calendars.title')} lead={t('office.settings.calendars.lead')} testId="settings-calendars">
      <LoadedView state={state}>
        {(list) => (
          <>
            <div className="actions actions-start office-top-actions">
              {(['RU', 'KZ'] as const).map((country) => (
                <button key={country} type="button" className="button" onClick={() => setEditing({ country, year: nextYear(list, country) })}>
                  {t('office.settings.calendars.add', { country: t(`office.settings.jurisdiction.${country}`), year: nextYear(list, country) })}
                </button>
              ))}
            </div>
            {list.length === 0 ? (
              <p className="table-empty">{t('office.settings.calendars.empty')}</p>
            ) : (
              <ul className="office-calendars" aria-label={t('office.settings.calendars.caption')}>
                {list.map((c) => (
                  <CalendarCard key={`${c.country}-${c.year}`} calendar={c} onEdit={() => setEditing(c)} />
                ))}
              </ul>
            )}
          </>
        )}
      </LoadedView>
      {editing && (
        <CalendarDialog
          calendar={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void reload();
          }}
        />
      )}
    </Section>
  );
}

function CalendarCard({ calendar: c, onEdit }: { calendar: Calendar; onEdit: () => void }) {
  const { t } = useTranslation();
  const name = `${t(`office.settings.jurisdiction.${c.country}`)} ${c.year}`;
  return (
    <li className="office-calendar">
      <div className="office-calendar-head">
        <div className="office-calendar-title">
          <h3>{name}</h3>
          <Chip tone={c.status === 'official' ? 'ok' : 'warn'}>{t(`office.settings.calendars.status.${c.status}`)}</Chip>
          <span className="office-sub">{t('office.settings.calendars.counts', { holidays: c.holidays.length, workdays: c.workdays.length })}</span>
          <span className="office-sub">{t('office.settings.calendars.updatedOn', { date: formatDate(c.updatedAt) })}</span>
        </div>
        <button type="button" className="button button-small office-calendar-edit" onClick={onEdit}>
          {t('office.common.edit')}
          <span className="visually-hidden"> {name}</span>
        </button>
      </div>
      <p className="office-law">
        <span className="office-details-key">{t('office.settings.calendars.col.source')}</span> {c.source}
      </p>
      {c.note && (
        <details className="office-calendar-note">
          <summary>{t('office.settings.calendars.note')}</summary>
          <p>{c.note}</p>
        </details>
      )}
    </li>
  );
}

function CalendarDialog({ calendar, onClose, onSaved }: { calendar: Calendar | { country: Country; year: number }; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const existing = 'source' in calendar ? calendar : null;
  const [country, setCountry] = useState<Country>(calendar.country);
  const [year, setYear] = useState(String(calendar.year));
  const [source, setSource] = useState(existing?.source ?? '');
  const [status, setStatus] = useState<'official' | 'unconfirmed'>(existing?.status ?? 'unconfirmed');
  const [note, setNote] = useState(existing?.note ?? '');
  const [holidays, setHolidays] = useState(formatDateList(existing?.holidays ?? []));
  const [workdays, setWorkdays] = useState(formatDateList(existing?.workdays ?? []));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    const found: Record<string, string> = {};
    const y = Number(year.trim());
    if (!/^\d{4}$/.test(year.trim()) || y < 2000 || y > 2100) found.year = t('office.settings.calendars.yearRule');
    if (!source.trim()) found.source = t('validation.required');
    const h = parseDateList(holidays);
    const w = parseDateList(workdays);
    if (h.bad.length) found.holidays = t('office.settings.calendars.badDates', { dates: h.bad.join(', ') });
    else if (!found.year && misplaced(h.dates, y, 'holidays').length)
      found.holidays = t('office.settings.calendars.holidayRule', { dates: misplaced(h.dates, y, 'holidays').map(formatDate).join(', ') });
    if (w.bad.length) found.workdays = t('office.settings.calendars.badDates', { dates: w.bad.join(', ') });
    else if (!found.year && misplaced(w.dates, y, 'workdays').length)
      found.workdays = t('office.settings.calendars.workdayRule', { dates: misplaced(w.dates, y, 'workdays').map(formatDate).join(', ') });
    setErrors(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('dialog [aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.call('calendar.set', { country, year: y, source: source.trim(), status, note: note.trim(), holidays: h.dates, workdays: w.dates });
      toast.success(t('office.settings.saved'));
      onSaved();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={
        existing
          ? t('office.settings.calendars.editTitle', { country: t(`office.settings.jurisdiction.${calendar.country}`), year: calendar.year })
          : t('office.settings.calendars.addTitle')
      }
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      size="wide"
      footer={<DialogButtons submitLabel={t('office.common.save')} onCancel={onClose} busy={busy} />}
    >
      <div className="field-row">
        <SelectField
          label={t('office.settings.calendars.country')}
          value={country}
          onChange={(e) => setCountry(e.target.value as Country)}
          options={(['RU', 'KZ'] as const).map((c) => ({ value: c, label: t(`office.settings.jurisdiction.${c}`) }))}
          disabled={existing !== null}
          wide="half"
        />
        <Field
          label={t('office.settings.calendars.year')}
          value={year}
          onChange={(e) => setYear(e.target.value)}
          error={errors.year}
          inputMode="numeric"
          readOnly={existing !== null}
          wide="half"
        />
      </div>
      <TextAreaField
        label={t('office.settings.calendars.source')}
        hint={t('office.settings.calendars.sourceHint')}
        value={source}
        onChange={(e) => setSource(e.target.value)}
        error={errors.source}
        rows={2}
        maxLength={2000}
      />
      <fieldset className="choice-group">
        <legend>{t('office.settings.calendars.col.status')}</legend>
        {(['official', 'unconfirmed'] as const).map((s) => (
          <label key={s} className="choice">
            <input type="radio" name="calendar-status" value={s} checked={status === s} onChange={() => setStatus(s)} />
            <span>{t(`office.settings.calendars.status.${s}`)}</span>
          </label>
        ))}
      </fieldset>
      <div className="field-row">
        <TextAreaField
          label={t('office.settings.calendars.holidays')}
          hint={t('office.settings.calendars.holidaysHint')}
          value={holidays}
          onChange={(e) => setHolidays(e.target.value)}
          error={errors.holidays}
          rows={8}
          wide="half"
          optional
          className="office-mono"
        />
        <TextAreaField
          label={t('office.settings.calendars.workdays')}
          hint={t('office.settings.calendars.workdaysHint')}
          value={workdays}
          onChange={(e) => setWorkdays(e.target.value)}
          error={errors.workdays}
          rows={8}
          wide="half"
          optional
          className="office-mono"
        />
      </div>
      <TextAreaField label={t('office.settings.calendars.note')} value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={4000} optional />
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}
