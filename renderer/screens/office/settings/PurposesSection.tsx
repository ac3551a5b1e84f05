// The purpose catalogue: what the clinic processes data for, each with its own consent. Marketing
// must be a separate, optional consent; health data needs written consent in Russia.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { Chip } from '../../../components/Chip.tsx';
import { Dialog, DialogButtons } from '../../../components/Dialog.tsx';
import { Field, TextAreaField } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { type Column, Table } from '../../../components/Table.tsx';
import { toast } from '../../../state/toast.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type Purpose = OperationResult<'purpose.list'>[number];
const knownCategories = ['full_name', 'phone', 'email', 'health'] as const;
const isKnownCategory = (c: string): c is (typeof knownCategories)[number] => (knownCategories as readonly string[]).includes(c);

function titleIn(p: Purpose, lng: string | undefined): string {
  return lng === 'kk' ? p.title.kk : lng === 'en' ? p.title.en : p.title.ru;
}

export function PurposesSection() {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const { state, reload } = useLoader(() => client.call('purpose.list', { includeInactive: true }), [client]);
  const [editing, setEditing] = useState<Purpose | 'new' | null>(null);
  const columns: Column<Purpose>[] = [
    {
      id: 'title',
      header: t('office.settings.purposes.col.title'),
      rowHeader: true,
      cell: (p) => (
        <div className="office-purpose">
          <span className="office-strong">{titleIn(p, i18n.resolvedLanguage)}</span>
          <span className="office-sub office-mono">{p.code}</span>
          {(p.isMarketing || p.requiresWritten || !p.active) && (
            <span className="office-chips">
              {p.isMarketing && <Chip tone="info">{t('office.settings.purposes.marketing')}</Chip>}
              {p.requiresWritten && <Chip tone="warn">{t('office.settings.purposes.written')}</Chip>}
              {!p.active && <Chip tone="neutral">{t('office.settings.purposes.inactive')}</Chip>}
            </span>
          )}
        </div>
      ),
    },
    {
      id: 'data',
      header: t('office.settings.purposes.col.data'),
      cell: (p) => p.dataCategories.map((c) => (isKnownCategory(c) ? t(`office.settings.purposes.categories.${c}`) : c)).join(', '),
    },
    {
      id: 'term',
      header: t('office.settings.purposes.col.term'),
      kind: 'nowrap',
      cell: (p) => (p.defaultTermDays ? t('office.settings.purposes.days', { days: p.defaultTermDays }) : t('office.settings.purposes.noTerm')),
    },
    { id: 'basis', header: t('office.settings.purposes.col.basis'), cell: (p) => <div className="office-law office-wide-cell">{p.legalBasis || '—'}</div> },
    {
      id: 'actions',
      header: t('office.common.actions'),
      kind: 'actions',
      cell: (p) => (
        <button type="button" className="button button-small" onClick={() => setEditing(p)}>
          {t('office.common.edit')}
          <span className="visually-hidden"> {titleIn(p, i18n.resolvedLanguage)}</span>
        </button>
      ),
    },
  ];
  return (
    <Section
      title={t('office.settings.purposes.title')}
      lead={t('office.settings.purposes.lead')}
      testId="settings-purposes"
      actions={
        <button type="button" className="button" onClick={() => setEditing('new')}>
          {t('office.settings.purposes.add')}
        </button>
      }
    >
      <LoadedView state={state}>
        {(list) => (
          <Table
            caption={t('office.settings.purposes.caption')}
            captionHidden
            columns={columns}
            rows={list}
            rowKey={(p) => p.id}
            empty={t('office.settings.purposes.empty')}
          />
        )}
      </LoadedView>
      {editing && (
        <PurposeDialog
          purpose={editing === 'new' ? null : editing}
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

function PurposeDialog({ purpose, onClose, onSaved }: { purpose: Purpose | null; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [code, setCode] = useState('');
  const [ru, setRu] = useState(purpose?.title.ru ?? '');
  const [kk, setKk] = useState(purpose?.title.kk ?? '');
  const [en, setEn] = useState(purpose?.title.en ?? '');
  const [categories, setCategories] = useState<string[]>(purpose?.dataCategories ?? ['full_name', 'phone', 'email']);
  const [marketing, setMarketing] = useState(purpose?.isMarketing ?? false);
  const [written, setWritten] = useState(purpose?.requiresWritten ?? false);
  const [term, setTerm] = useState(purpose?.defaultTermDays ? String(purpose.defaultTermDays) : '');
  const [basis, setBasis] = useState(purpose?.legalBasis ?? '');
  const [active, setActive] = useState(purpose?.active ?? true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = (c: string) => setCategories(categories.includes(c) ? categories.filter((x) => x !== c) : [...categories, c]);
  const submit = async () => {
    const found: Record<string, string> = {};
    if (!purpose && !/^[a-z][a-z0-9_]{1,40}$/.test(code.trim())) found.code = t('office.settings.purposes.codeRule');
    if (!ru.trim()) found.ru = t('validation.required');
    if (!kk.trim()) found.kk = t('validation.required');
    if (!en.trim()) found.en = t('validation.required');
    if (categories.length === 0) found.categories = t('office.settings.purposes.categoriesRequired');
    if (term.trim() && (!/^\d+$/.test(term.trim()) || Number(term) < 1 || Number(term) > 36500)) found.term = t('office.settings.purposes.termRule');
    setErrors(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('dialog [aria-invalid="true"]')?.focus());
      return;
    }
    const fields = {
      title: { ru: ru.trim(), kk: kk.trim(), en: en.trim() },
      dataCategories: categories,
      isMarketing: marketing,
      requiresWritten: written,
      defaultTermDays: term.trim() ? Number(term) : null,
      legalBasis: basis.trim(),
    };
    setBusy(true);
    setError(null);
    try {
      if (purpose) await client.call('purpose.update', { purpose: purpose.id, ...fields, active });
      else await client.call('purpose.add', { code: code.trim(), ...fields });
      toast.success(t('office.settings.saved'));
      onSaved();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={purpose ? t('office.settings.purposes.editTitle') : t('office.settings.purposes.addTitle')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      size="wide"
      footer={<DialogButtons submitLabel={t('office.common.save')} onCancel={onClose} busy={busy} />}
    >
      {!purpose && (
        <Field
          label={t('office.settings.purposes.code')}
          hint={t('office.settings.purposes.codeHint')}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={errors.code}
          spellCheck={false}
        />
      )}
      <Field label={t('office.settings.purposes.titleRu')} value={ru} onChange={(e) => setRu(e.target.value)} error={errors.ru} lang="ru" maxLength={300} />
      <Field label={t('office.settings.purposes.titleKk')} value={kk} onChange={(e) => setKk(e.target.value)} error={errors.kk} lang="kk" maxLength={300} />
      <Field label={t('office.settings.purposes.titleEn')} value={en} onChange={(e) => setEn(e.target.value)} error={errors.en} lang="en" maxLength={300} />
      <fieldset className="office-checks" aria-invalid={errors.categories ? true : undefined}>
        <legend>{t('office.settings.purposes.col.data')}</legend>
        {knownCategories.map((c) => (
          <label key={c} className="check">
            <input type="checkbox" checked={categories.includes(c)} onChange={() => toggle(c)} />
            {t(`office.settings.purposes.categories.${c}`)}
          </label>
        ))}
        {errors.categories && <p className="field-error">{errors.categories}</p>}
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={marketing} onChange={(e) => setMarketing(e.target.checked)} />
        {t('office.settings.purposes.isMarketing')}
      </label>
      <label className="check">
        <input type="checkbox" checked={written} onChange={(e) => setWritten(e.target.checked)} />
        {t('office.settings.purposes.requiresWritten')}
      </label>
      <Field
        label={t('office.settings.purposes.term')}
        hint={t('office.settings.purposes.termHint')}
        value={term}
        onChange={(e) => setTerm(e.target.value)}
        error={errors.term}
        inputMode="numeric"
        optional
        wide="half"
      />
      <TextAreaField label={t('office.settings.purposes.basis')} value={basis} onChange={(e) => setBasis(e.target.value)} optional rows={2} maxLength={1000} />
      {purpose && (
        <label className="check">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
          {t('office.settings.purposes.active')}
        </label>
      )}
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}
