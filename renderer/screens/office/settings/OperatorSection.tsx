import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../../api/context.ts';
import { Field } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { digits, type FieldErrors, hasErrors, type OperatorForm, validateOperator } from '../../../forms/validate.ts';
import { toast } from '../../../state/toast.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

export function OperatorSection() {
  const { t } = useTranslation();
  const client = useClient();
  const { state, reload } = useLoader(() => client.call('settings.get', {}), [client]);
  return (
    <Section title={t('office.settings.operator.title')} lead={t('office.settings.operator.lead')} testId="settings-operator">
      <LoadedView state={state}>
        {(s) => (
          <OperatorFormView
            initial={{ jurisdiction: s.jurisdiction, name: s.operator.name, address: s.operator.address, taxId: s.operator.taxId, ogrn: s.operator.ogrn ?? '' }}
            onSaved={() => void reload()}
          />
        )}
      </LoadedView>
    </Section>
  );
}

function OperatorFormView({ initial, onSaved }: { initial: OperatorForm; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors<keyof OperatorForm>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof OperatorForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const found = validateOperator(form);
    setErrors(found);
    if (hasErrors(found)) {
      requestAnimationFrame(() => (e.target as HTMLFormElement).querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const ogrn = digits(form.ogrn);
      await client.call('settings.setOperator', {
        name: form.name.trim(),
        address: form.address.trim(),
        taxId: digits(form.taxId),
        ...(form.jurisdiction === 'RU' && ogrn ? { ogrn } : {}),
      });
      toast.success(t('office.settings.saved'));
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const ru = form.jurisdiction === 'RU';
  return (
    <form noValidate onSubmit={(e) => void submit(e)}>
      <Field label={t('office.settings.operator.name')} value={form.name} onChange={set('name')} error={errors.name} maxLength={500} />
      <Field label={t('office.settings.operator.address')} value={form.address} onChange={set('address')} error={errors.address} maxLength={1000} />
      <div className="field-row">
        <Field
          label={ru ? t('office.settings.operator.inn') : t('office.settings.operator.bin')}
          value={form.taxId}
          onChange={set('taxId')}
          error={errors.taxId}
          inputMode="numeric"
          wide="half"
        />
        {ru && (
          <Field
            label={t('office.settings.operator.ogrn')}
            value={form.ogrn}
            onChange={set('ogrn')}
            error={errors.ogrn}
            inputMode="numeric"
            optional
            wide="half"
          />
        )}
      </div>
      {error !== null && <ErrorBox error={error} />}
      <div className="actions actions-start">
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('office.common.save')}
        </button>
      </div>
    </form>
  );
}
