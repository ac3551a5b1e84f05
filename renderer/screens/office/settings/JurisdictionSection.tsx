import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../../api/context.ts';
import { ErrorBox } from '../../../components/Messages.tsx';
import { toast } from '../../../state/toast.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type Jurisdiction = 'RU' | 'KZ';

export function JurisdictionSection() {
  const { t } = useTranslation();
  const client = useClient();
  const { state, reload } = useLoader(() => client.call('settings.get', {}), [client]);
  return (
    <Section title={t('office.settings.jurisdiction.title')} lead={t('office.settings.jurisdiction.lead')} testId="settings-jurisdiction">
      <LoadedView state={state}>{(s) => <JurisdictionForm initial={s.jurisdiction} onSaved={() => void reload()} />}</LoadedView>
    </Section>
  );
}

function JurisdictionForm({ initial, onSaved }: { initial: Jurisdiction; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [value, setValue] = useState<Jurisdiction>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.call('settings.setJurisdiction', { jurisdiction: value });
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
      <fieldset className="choice-group">
        <legend>{t('office.settings.jurisdiction.choose')}</legend>
        {(['RU', 'KZ'] as const).map((j) => (
          <label key={j} className="choice">
            <input type="radio" name="jurisdiction" value={j} checked={value === j} onChange={() => setValue(j)} />
            <span>
              <span className="office-strong">{t(`office.settings.jurisdiction.${j}`)}</span>
              <span className="office-sub">{t(`office.settings.jurisdiction.${j}Law`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {value !== initial && <p className="warning">{t('office.settings.jurisdiction.changeWarning')}</p>}
      {error !== null && <ErrorBox error={error} />}
      <div className="actions actions-start">
        <button type="submit" className="button button-primary" disabled={busy || value === initial}>
          {t('office.common.save')}
        </button>
      </div>
    </form>
  );
}
