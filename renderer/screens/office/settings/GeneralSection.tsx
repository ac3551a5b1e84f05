import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { Field } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { toast } from '../../../state/toast.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type General = OperationResult<'settings.get'>['general'];

export function GeneralSection() {
  const { t } = useTranslation();
  const client = useClient();
  const { state, reload } = useLoader(() => client.call('settings.get', {}), [client]);
  return (
    <Section title={t('office.settings.general.title')} testId="settings-general">
      <LoadedView state={state}>{(s) => <GeneralForm initial={s.general} onSaved={() => void reload()} />}</LoadedView>
    </Section>
  );
}

interface Errors {
  informationSystem?: string;
  idleLockMinutes?: string;
  processorName?: string;
  processorAddress?: string;
}

function GeneralForm({ initial, onSaved }: { initial: General; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [system, setSystem] = useState(initial.informationSystem);
  const [idle, setIdle] = useState(String(initial.idleLockMinutes));
  const [hasProcessor, setHasProcessor] = useState(initial.processor !== null);
  const [pName, setPName] = useState(initial.processor?.name ?? '');
  const [pAddress, setPAddress] = useState(initial.processor?.address ?? '');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const found: Errors = {};
    const minutes = Number(idle.trim());
    if (system.trim() === '') found.informationSystem = t('validation.required');
    if (!/^\d+$/.test(idle.trim()) || minutes < 1 || minutes > 240) found.idleLockMinutes = t('office.settings.general.idleRange');
    if (hasProcessor && pName.trim() === '') found.processorName = t('validation.required');
    if (hasProcessor && pAddress.trim() === '') found.processorAddress = t('validation.required');
    setErrors(found);
    if (Object.keys(found).length) {
      const form = e.currentTarget;
      requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.call('settings.setGeneral', {
        informationSystem: system.trim(),
        idleLockMinutes: minutes,
        processor: hasProcessor ? { name: pName.trim(), address: pAddress.trim() } : null,
      });
      toast.success(t('office.settings.saved'));
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form noValidate onSubmit={(e) => void submit(e)}>
      <Field
        label={t('office.settings.general.system')}
        hint={t('office.settings.general.systemHint')}
        value={system}
        onChange={(e) => setSystem(e.target.value)}
        error={errors.informationSystem}
        maxLength={300}
      />
      <Field
        label={t('office.settings.general.idle')}
        hint={t('office.settings.general.idleHint')}
        value={idle}
        onChange={(e) => setIdle(e.target.value)}
        error={errors.idleLockMinutes}
        inputMode="numeric"
        wide="half"
        className="office-narrow"
      />
      <label className="check">
        <input type="checkbox" checked={hasProcessor} onChange={(e) => setHasProcessor(e.target.checked)} />
        {t('office.settings.general.hasProcessor')}
      </label>
      <p className="field-hint">{t('office.settings.general.processorHint')}</p>
      {hasProcessor && (
        <div className="office-indent">
          <Field
            label={t('office.settings.general.processorName')}
            value={pName}
            onChange={(e) => setPName(e.target.value)}
            error={errors.processorName}
            maxLength={500}
          />
          <Field
            label={t('office.settings.general.processorAddress')}
            value={pAddress}
            onChange={(e) => setPAddress(e.target.value)}
            error={errors.processorAddress}
            maxLength={1000}
          />
        </div>
      )}
      {error !== null && <ErrorBox error={error} />}
      <div className="actions actions-start">
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('office.common.save')}
        </button>
      </div>
    </form>
  );
}
