// Consent form texts, one per purpose and language, with versions. Saving never changes a version:
// it makes the next one, so the version printed on a signed form always leads back to the text the
// person signed.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { Chip } from '../../../components/Chip.tsx';
import { SelectField, TextAreaField } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { formatDate } from '../../../format/date.ts';
import { toast } from '../../../state/toast.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type Listing = OperationResult<'formTemplate.list'>;
type Template = Listing['templates'][number];
type FormLanguage = 'ru' | 'kk';

export function FormTemplatesSection() {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const purposes = useLoader(() => client.call('purpose.list', { includeInactive: false }), [client]);
  const [purposeId, setPurposeId] = useState<number | null>(null);
  const [language, setLanguage] = useState<FormLanguage>(i18n.resolvedLanguage === 'kk' ? 'kk' : 'ru');
  const firstId = purposes.state.status === 'ready' ? (purposes.state.data[0]?.id ?? null) : null;
  const chosen = purposeId ?? firstId;
  const listing = useLoader(
    () => (chosen === null ? Promise.resolve(null) : client.call('formTemplate.list', { purpose: chosen, language })),
    [client, chosen, language],
  );
  const title = (p: { title: { ru: string; kk: string; en: string } }) =>
    i18n.resolvedLanguage === 'kk' ? p.title.kk : i18n.resolvedLanguage === 'en' ? p.title.en : p.title.ru;
  return (
    <Section title={t('office.settings.forms.title')} lead={t('office.settings.forms.lead')} testId="settings-forms">
      <LoadedView state={purposes.state}>
        {(list) => (
          <div className="field-row">
            <SelectField
              label={t('office.settings.forms.purpose')}
              value={chosen === null ? '' : String(chosen)}
              onChange={(e) => setPurposeId(Number(e.target.value))}
              options={list.map((p) => ({ value: String(p.id), label: title(p) }))}
              wide="half"
            />
            <fieldset className="office-segmented">
              <legend>{t('office.settings.forms.language')}</legend>
              {(['ru', 'kk'] as const).map((l) => (
                <label key={l} className="office-segment" lang={l}>
                  <input type="radio" name="form-language" value={l} checked={language === l} onChange={() => setLanguage(l)} />
                  <span>{t(`languages.${l}`)}</span>
                </label>
              ))}
            </fieldset>
          </div>
        )}
      </LoadedView>
      {chosen !== null && (
        <LoadedView state={listing.state}>
          {(data) =>
            data ? (
              <Editor
                key={`${chosen}:${language}:${data.templates[0]?.version ?? 0}`}
                listing={data}
                purposeId={chosen}
                language={language}
                onSaved={() => void listing.reload()}
              />
            ) : null
          }
        </LoadedView>
      )}
    </Section>
  );
}

function Editor({ listing, purposeId, language, onSaved }: { listing: Listing; purposeId: number; language: FormLanguage; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const versions = listing.templates;
  const current = versions.find((v) => v.current) ?? versions[0];
  const [body, setBody] = useState(current?.body ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setBody(current?.body ?? ''), [current?.body]);
  const changed = body.trim() !== (current?.body ?? '').trim();
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const saved = await client.call('formTemplate.save', { purpose: purposeId, language, body });
      toast.success(t('office.settings.forms.saved', { version: saved.formVersion }));
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="office-template">
      {current && (
        <p className="office-sub">
          {t('office.settings.forms.current', { version: current.formVersion, date: formatDate(current.savedAt) })}{' '}
          <Chip tone={current.origin === 'default' ? 'neutral' : 'info'}>{t(`office.settings.forms.origin.${current.origin}`)}</Chip>
        </p>
      )}
      <TextAreaField
        label={t('office.settings.forms.body')}
        hint={t('office.settings.forms.bodyHint')}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        rows={18}
        maxLength={20000}
        className="office-mono office-template-body"
        lang={language}
        spellCheck
      />
      {error !== null && <ErrorBox error={error} />}
      <div className="actions actions-start">
        <button type="button" className="button button-primary" onClick={() => void save()} disabled={busy || !changed}>
          {t('office.settings.forms.save')}
        </button>
        <button type="button" className="button" onClick={() => setBody(current?.body ?? '')} disabled={busy || !changed}>
          {t('office.settings.forms.revert')}
        </button>
      </div>
      <details className="office-details-box">
        <summary>{t('office.settings.forms.placeholders')}</summary>
        <ul className="office-placeholder-list">
          {listing.placeholders.map((p) => (
            <li key={p.name}>
              <code>{`{{${p.name}}}`}</code> — {p.description}
            </li>
          ))}
        </ul>
      </details>
      <h3 className="office-h3">{t('office.settings.forms.history')}</h3>
      <ul className="office-versions">
        {versions.map((v: Template) => (
          <li key={v.version}>
            <details>
              <summary>
                <b>{v.formVersion}</b> · {formatDate(v.savedAt)} · {v.savedBy ? v.savedBy.fullName : t('office.settings.forms.program')}
                {v.current && <span className="office-current"> · {t('office.settings.forms.isCurrent')}</span>}
              </summary>
              <pre className="office-code" lang={v.language}>
                {v.body}
              </pre>
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}
