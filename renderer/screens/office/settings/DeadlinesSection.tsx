// Deadline rules of both jurisdiction profiles, each with the legal reference it rests on. Figures
// domain.md could not confirm are marked "not confirmed"; Kazakh rules with no figure at all are
// highlighted as "to be set": opening such a request fails until a manager sets it here.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { Chip } from '../../../components/Chip.tsx';
import { Dialog, DialogButtons } from '../../../components/Dialog.tsx';
import { Field, SelectField, TextAreaField } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { type Column, Table } from '../../../components/Table.tsx';
import { useSession } from '../../../state/session.ts';
import { toast } from '../../../state/toast.ts';
import { can } from '../lib/permissions.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type RulesResult = OperationResult<'deadline.rules'>;
type Rule = RulesResult['rules'][number];
type Jurisdiction = 'RU' | 'KZ';
const units = ['working', 'calendar', 'hours', 'months'] as const;

export function usePeriodText() {
  const { t } = useTranslation();
  return (days: number | null, unit: (typeof units)[number]) =>
    days === null ? null : days === 0 ? t('office.settings.deadlines.atOnce') : t(`office.settings.deadlines.units.${unit}`, { n: days });
}

export function DeadlinesSection() {
  const { t } = useTranslation();
  const client = useClient();
  const role = useSession((s) => s.actor?.role);
  const settings = useLoader(() => client.call('settings.get', {}), [client]);
  const [chosen, setChosen] = useState<Jurisdiction | null>(null);
  const jurisdiction: Jurisdiction | undefined = chosen ?? (settings.state.status === 'ready' ? settings.state.data.jurisdiction : undefined);
  const { state, reload } = useLoader(() => client.call('deadline.rules', jurisdiction ? { jurisdiction } : {}), [client, jurisdiction]);
  const [editing, setEditing] = useState<Rule | null>(null);
  const period = usePeriodText();
  const mayEdit = can(role, 'settings.legal');
  const columns: Column<Rule>[] = [
    {
      id: 'title',
      header: t('office.settings.deadlines.col.rule'),
      rowHeader: true,
      cell: (r) => t(`office.settings.deadlines.rules.${r.code}`, { defaultValue: r.title }),
    },
    {
      id: 'period',
      header: t('office.settings.deadlines.col.period'),
      kind: 'nowrap',
      cell: (r) => {
        const text = period(r.days, r.unit);
        return text ?? <Chip tone="danger">{t('office.settings.deadlines.toBeSet')}</Chip>;
      },
    },
    {
      id: 'extension',
      header: t('office.settings.deadlines.col.extension'),
      kind: 'nowrap',
      cell: (r) => (r.extension ? t('office.settings.deadlines.plus', { period: period(r.extension.days, r.extension.unit) }) : '—'),
    },
    {
      id: 'law',
      header: t('office.settings.deadlines.col.law'),
      cell: (r) => (
        <>
          <span className="office-law">{r.legalRef || '—'}</span>
          {r.unconfirmed && (
            <Chip tone="warn" className="office-chip-inline">
              {t('office.settings.deadlines.unconfirmed')}
            </Chip>
          )}
        </>
      ),
    },
  ];
  if (mayEdit)
    columns.push({
      id: 'actions',
      header: t('office.common.actions'),
      kind: 'actions',
      cell: (r) => (
        <button type="button" className="button button-small" onClick={() => setEditing(r)}>
          {t('office.common.edit')}
          <span className="visually-hidden"> {t(`office.settings.deadlines.rules.${r.code}`, { defaultValue: r.title })}</span>
        </button>
      ),
    });
  return (
    <Section title={t('office.settings.deadlines.title')} lead={t('office.settings.deadlines.lead')} testId="settings-deadlines">
      <fieldset className="office-segmented">
        <legend>{t('office.settings.deadlines.profile')}</legend>
        {(['RU', 'KZ'] as const).map((j) => (
          <label key={j} className="office-segment">
            <input type="radio" name="deadline-profile" value={j} checked={jurisdiction === j} onChange={() => setChosen(j)} />
            <span>{t(`office.settings.jurisdiction.${j}`)}</span>
          </label>
        ))}
      </fieldset>
      <LoadedView state={state}>
        {(data) => {
          const missing = data.rules.filter((r) => r.days === null).length;
          return (
            <>
              {missing > 0 && <p className="warning">{t('office.settings.deadlines.missing', { n: missing })}</p>}
              <Table
                caption={t('office.settings.deadlines.caption', { profile: t(`office.settings.jurisdiction.${data.jurisdiction}`) })}
                columns={columns}
                rows={data.rules}
                rowKey={(r) => r.code}
                rowClassName={(r) => (r.days === null ? 'office-row-missing' : undefined)}
                testId="deadline-rules"
              />
            </>
          );
        }}
      </LoadedView>
      {editing && state.status === 'ready' && (
        <RuleDialog
          jurisdiction={state.data.jurisdiction}
          rule={editing}
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

function RuleDialog({ jurisdiction, rule, onClose, onSaved }: { jurisdiction: Jurisdiction; rule: Rule; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [days, setDays] = useState(rule.days === null ? '' : String(rule.days));
  const [unit, setUnit] = useState<string>(rule.unit);
  const [hasExt, setHasExt] = useState(rule.extension !== null);
  const [extDays, setExtDays] = useState(rule.extension ? String(rule.extension.days) : '5');
  const [extUnit, setExtUnit] = useState<'working' | 'calendar'>(rule.extension?.unit ?? 'working');
  const [legalRef, setLegalRef] = useState(rule.legalRef);
  const [unconfirmed, setUnconfirmed] = useState(rule.unconfirmed);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const extensible = unit === 'working' || unit === 'calendar';
  const submit = async () => {
    const found: Record<string, string> = {};
    if (days.trim() !== '' && (!/^\d+$/.test(days.trim()) || Number(days) > 3660)) found.days = t('office.settings.deadlines.daysRule');
    if (hasExt && extensible && (!/^\d+$/.test(extDays.trim()) || Number(extDays) < 1 || Number(extDays) > 366))
      found.extDays = t('office.settings.deadlines.extRule');
    setErrors(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('dialog [aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.call('deadline.setRule', {
        jurisdiction,
        code: rule.code,
        days: days.trim() === '' ? null : Number(days),
        unit: unit as (typeof units)[number],
        extension: hasExt && extensible ? { days: Number(extDays), unit: extUnit } : null,
        legalRef: legalRef.trim(),
        unconfirmed,
      });
      toast.success(t('office.settings.saved'));
      onSaved();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t(`office.settings.deadlines.rules.${rule.code}`, { defaultValue: rule.title })}
      description={t('office.settings.deadlines.editFor', { profile: t(`office.settings.jurisdiction.${jurisdiction}`) })}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      size="wide"
      footer={<DialogButtons submitLabel={t('office.common.save')} onCancel={onClose} busy={busy} />}
    >
      <div className="field-row">
        <Field
          label={t('office.settings.deadlines.days')}
          hint={t('office.settings.deadlines.daysHint')}
          value={days}
          onChange={(e) => setDays(e.target.value)}
          error={errors.days}
          inputMode="numeric"
          optional
          wide="half"
        />
        <SelectField
          label={t('office.settings.deadlines.unit')}
          value={unit}
          onChange={(e) => setUnit(e.target.value)}
          options={units.map((u) => ({ value: u, label: t(`office.settings.deadlines.unitNames.${u}`) }))}
          wide="half"
        />
      </div>
      {extensible && (
        <>
          <label className="check">
            <input type="checkbox" checked={hasExt} onChange={(e) => setHasExt(e.target.checked)} />
            {t('office.settings.deadlines.hasExtension')}
          </label>
          {hasExt && (
            <div className="field-row office-indent">
              <Field
                label={t('office.settings.deadlines.extDays')}
                value={extDays}
                onChange={(e) => setExtDays(e.target.value)}
                error={errors.extDays}
                inputMode="numeric"
                wide="half"
              />
              <SelectField
                label={t('office.settings.deadlines.unit')}
                value={extUnit}
                onChange={(e) => setExtUnit(e.target.value as 'working' | 'calendar')}
                options={(['working', 'calendar'] as const).map((u) => ({ value: u, label: t(`office.settings.deadlines.unitNames.${u}`) }))}
                wide="half"
              />
            </div>
          )}
        </>
      )}
      <TextAreaField
        label={t('office.settings.deadlines.legalRef')}
        hint={t('office.settings.deadlines.legalRefHint')}
        value={legalRef}
        onChange={(e) => setLegalRef(e.target.value)}
        rows={3}
        maxLength={1000}
        optional
      />
      <label className="check">
        <input type="checkbox" checked={unconfirmed} onChange={(e) => setUnconfirmed(e.target.checked)} />
        {t('office.settings.deadlines.markUnconfirmed')}
      </label>
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}
