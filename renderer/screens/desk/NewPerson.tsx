// New person: name, phone, e-mail, source. The phone is formatted as it is typed and checked
// before sending. Someone who already has this phone or e-mail is shown as soon as the field is
// left, and again (from the register's own check) before anything is created: the desk opens the
// existing card, or confirms that the contact is really shared (a family phone) and adds anyway.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { ContactMatch } from '../../../db/persons.ts';
import type { PersonHit } from '../../../db/search.ts';
import type { RegisterClient } from '../../api/client.ts';
import { useClient } from '../../api/context.ts';
import { errorCode } from '../../api/errors.ts';
import { ActionButton } from '../../components/ActionButton.tsx';
import { Field, SelectField } from '../../components/Field.tsx';
import { focusFirstInvalid } from '../../components/focus.ts';
import { ErrorBox } from '../../components/Messages.tsx';
import { formatPhone } from '../../format/phone.ts';
import { type NewPersonPrefill, useNav } from '../../state/nav.ts';
import { useRegisterSettings } from '../../state/register-settings.ts';
import { toast } from '../../state/toast.ts';
import { deskSources } from './codes.ts';
import { countryOf, formatAsTyped, isBlank, looksLikeEmail, phoneE164 } from './phone-input.ts';

type FieldName = 'fullName' | 'phone' | 'email';
type Errors = Partial<Record<FieldName, string>>;

interface Match extends ContactMatch {
  person: PersonHit | null;
}

// Living people holding exactly this phone or e-mail, found through the search the desk already
// uses (person.find returns fragments; only exact matches are kept).
async function findHolders(client: RegisterClient, kind: 'phone' | 'email', value: string): Promise<PersonHit[]> {
  const query = kind === 'phone' ? value.replace(/\D/g, '') : value.trim();
  const found = await client.call('person.find', { query, limit: 20 });
  return found.items.filter((p) => (kind === 'phone' ? p.phone === value : p.email?.toLowerCase() === value.trim().toLowerCase()));
}

export function NewPerson({ prefill }: { prefill?: NewPersonPrefill }) {
  const { t } = useTranslation();
  const client = useClient();
  const go = useNav((s) => s.go);
  const back = useNav((s) => s.back);
  const settings = useRegisterSettings();
  const country = countryOf(settings?.jurisdiction);
  const [fullName, setFullName] = useState(prefill?.fullName ?? '');
  const [phone, setPhone] = useState(prefill?.phone ? formatAsTyped(prefill.phone, country) : '');
  const [email, setEmail] = useState(prefill?.email ?? '');
  const [source, setSource] = useState<(typeof deskSources)[number]>('walk_in');
  const [errors, setErrors] = useState<Errors>({});
  const [holders, setHolders] = useState<{ phone: PersonHit[]; email: PersonHit[] }>({ phone: [], email: [] });
  const [duplicates, setDuplicates] = useState<Match[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const duplicatesRef = useRef<HTMLElement>(null);

  useEffect(() => {
    nameRef.current?.focus();
  }, []);

  const validate = (): Errors => {
    const found: Errors = {};
    if (isBlank(fullName)) found.fullName = t('validation.required');
    if (!isBlank(phone) && !phoneE164(phone, country)) found.phone = t('desk.newPerson.invalidPhone');
    if (!isBlank(email) && !looksLikeEmail(email)) found.email = t('desk.newPerson.invalidEmail');
    return found;
  };

  const checkHolders = async (kind: 'phone' | 'email') => {
    const value = kind === 'phone' ? phoneE164(phone, country) : looksLikeEmail(email) ? email.trim() : null;
    if (!value) {
      setHolders((h) => ({ ...h, [kind]: [] }));
      return;
    }
    try {
      const list = await findHolders(client, kind, value);
      setHolders((h) => ({ ...h, [kind]: list }));
    } catch {
      // The register checks again when the person is added; this early hint may stay silent.
    }
  };

  const submit = async (e: Pick<FormEvent, 'preventDefault'>, allowSharedContact = false) => {
    e.preventDefault();
    if (busy) return;
    const found = validate();
    if (Object.keys(found).length > 0) {
      flushSync(() => setErrors(found));
      focusFirstInvalid(formRef.current);
      return;
    }
    setErrors({});
    setFailure(null);
    setBusy(true);
    try {
      const person = await client.call('person.add', {
        fullName: fullName.trim(),
        phone: isBlank(phone) ? null : phone,
        email: isBlank(email) ? null : email.trim(),
        source,
        allowSharedContact,
      });
      toast.success(t('desk.newPerson.added', { id: person.id }));
      go({ name: 'person', id: person.id }, { replace: true });
    } catch (err) {
      const code = errorCode(err);
      if (code === 'duplicate_person') {
        const matches = ((err as { details?: { matches?: ContactMatch[] } }).details?.matches ?? []) as ContactMatch[];
        const withPeople = await Promise.all(
          matches.map(async (m) => {
            try {
              const p = await client.call('person.get', { id: m.id });
              return {
                ...m,
                person: p.destroyed
                  ? null
                  : { id: p.id, fullName: p.fullName, phone: p.phone, email: p.email, blocked: p.blocked, needsVerification: p.needsVerification },
              };
            } catch {
              return { ...m, person: null };
            }
          }),
        );
        flushSync(() => {
          setBusy(false);
          setDuplicates(withPeople);
        });
        duplicatesRef.current?.focus();
        return;
      }
      flushSync(() => {
        setBusy(false);
        if (code === 'invalid_phone') setErrors({ phone: t('desk.newPerson.invalidPhone') });
        else if (code === 'invalid_email') setErrors({ email: t('desk.newPerson.invalidEmail') });
        else setFailure(err);
      });
      focusFirstInvalid(formRef.current);
    }
  };

  return (
    <div className="screen-narrow">
      <p className="breadcrumbs">
        <ActionButton variant="link" onClick={back}>
          {t('desk.common.backToSearch')}
        </ActionButton>
      </p>
      <div className="card card-flat">
        <h1>{t('desk.newPerson.title')}</h1>
        <p className="lead">{t('desk.newPerson.intro')}</p>
        {failure !== null && <ErrorBox error={failure} />}
        <form ref={formRef} onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
          <Field
            ref={nameRef}
            label={t('desk.person.fullName')}
            hint={t('desk.newPerson.fullNameHint')}
            value={fullName}
            onChange={(e) => setFullName(e.target.value)}
            error={errors.fullName}
            autoComplete="off"
            maxLength={300}
          />
          <div className="field-row">
            <div className="field-half">
              <Field
                label={t('desk.person.phone')}
                hint={t('desk.newPerson.phoneHint')}
                optional
                type="tel"
                inputMode="tel"
                value={phone}
                onChange={(e) => {
                  const el = e.target;
                  const atEnd = el.selectionStart === el.value.length;
                  setPhone(atEnd ? formatAsTyped(el.value, country) : el.value);
                  if (errors.phone) setErrors({ ...errors, phone: undefined });
                }}
                onBlur={() => void checkHolders('phone')}
                error={errors.phone}
                autoComplete="off"
                maxLength={40}
              />
              <Holders people={holders.phone} kind="phone" />
            </div>
            <div className="field-half">
              <Field
                label={t('desk.person.email')}
                optional
                type="email"
                value={email}
                onChange={(e) => {
                  setEmail(e.target.value);
                  if (errors.email) setErrors({ ...errors, email: undefined });
                }}
                onBlur={() => void checkHolders('email')}
                error={errors.email}
                autoComplete="off"
                spellCheck={false}
                maxLength={320}
              />
              <Holders people={holders.email} kind="email" />
            </div>
          </div>
          <SelectField
            label={t('desk.person.source')}
            value={source}
            onChange={(e) => setSource(e.target.value as (typeof deskSources)[number])}
            options={deskSources.map((s) => ({ value: s, label: t(`desk.source.${s}`) }))}
          />
          {duplicates ? (
            <section className="duplicate-offer" ref={duplicatesRef} tabIndex={-1} aria-labelledby="duplicate-title" data-testid="duplicate-offer">
              <h2 id="duplicate-title">{t('desk.newPerson.duplicateTitle')}</h2>
              <p>{t('desk.newPerson.duplicateText')}</p>
              <ul className="match-list">
                {duplicates.map((m) => (
                  <li key={`${m.id}-${m.matchedOn}`}>
                    <span className="match-who">
                      {m.person ? m.person.fullName : t('desk.person.subject', { id: m.id })}
                      <span className="match-on">{t(m.matchedOn === 'phone' ? 'desk.newPerson.matchedOnPhone' : 'desk.newPerson.matchedOnEmail')}</span>
                    </span>
                    <ActionButton small onClick={() => go({ name: 'person', id: m.id }, { replace: true })}>
                      {t('desk.newPerson.openExisting')}
                    </ActionButton>
                  </li>
                ))}
              </ul>
              <div className="actions actions-start">
                <ActionButton onClick={(e) => void submit(e, true)} disabled={busy}>
                  {t('desk.newPerson.addShared')}
                </ActionButton>
                <ActionButton variant="link" onClick={() => setDuplicates(null)}>
                  {t('desk.newPerson.changeContacts')}
                </ActionButton>
              </div>
            </section>
          ) : (
            <div className="actions">
              <ActionButton onClick={back}>{t('common.cancel')}</ActionButton>
              <button type="submit" className="button button-primary" disabled={busy}>
                {busy ? t('common.working') : t('desk.newPerson.submit')}
              </button>
            </div>
          )}
        </form>
      </div>
    </div>
  );
}

function Holders({ people, kind }: { people: PersonHit[]; kind: 'phone' | 'email' }) {
  const { t } = useTranslation();
  const go = useNav((s) => s.go);
  if (people.length === 0) return null;
  return (
    <div className="holders" data-testid={`holders-${kind}`}>
      <p>{t(kind === 'phone' ? 'desk.newPerson.phoneTaken' : 'desk.newPerson.emailTaken')}</p>
      <ul>
        {people.slice(0, 3).map((p) => (
          <li key={p.id}>
            <ActionButton variant="link" onClick={() => go({ name: 'person', id: p.id }, { replace: true })}>
              {t('desk.newPerson.openHolder', { name: p.fullName, contact: kind === 'phone' && p.phone ? formatPhone(p.phone) : (p.email ?? '') })}
            </ActionButton>
          </li>
        ))}
      </ul>
    </div>
  );
}
