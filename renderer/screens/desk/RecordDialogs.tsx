// Dialogs about the record itself: edit or correct the contact data, block and unblock, mark for
// verification and confirm, open a subject's request.
import { useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../api/context.ts';
import { DateField } from '../../components/DateField.tsx';
import { Dialog, DialogButtons, focusFirstInvalidIn } from '../../components/Dialog.tsx';
import { displayToIso, isoToDisplay, todayIso } from '../../components/date-input.ts';
import { Field, SelectField, TextAreaField } from '../../components/Field.tsx';
import { formatDate } from '../../format/date.ts';
import { formatPhone } from '../../format/phone.ts';
import type { LivingPerson } from '../../state/person.ts';
import { useRegisterSettings } from '../../state/register-settings.ts';
import { isCode, useAction } from './action.tsx';
import {
  type BlockReason,
  type BlockRequester,
  deskSources,
  outcomes,
  type RequestChannel,
  type RequesterKind,
  reasons,
  requestChannelList,
  requesterKindList,
  requesters,
  requestTypes,
  type UnblockOutcome,
} from './codes.ts';
import { countryOf, formatAsTyped, isBlank, looksLikeEmail, phoneE164 } from './phone-input.ts';

interface DoneProps {
  person: LivingPerson;
  onClose: () => void;
  onDone: (message: string) => void;
}

// ---- contact fields shared by "edit" and "unblock as corrected" ---------------------------------

interface Contacts {
  fullName: string;
  phone: string;
  email: string;
}

type ContactErrors = Partial<Record<keyof Contacts, string>>;

function contactsOf(person: LivingPerson): Contacts {
  return { fullName: person.fullName, phone: person.phone ? formatPhone(person.phone) : '', email: person.email ?? '' };
}

function useContactForm(person: LivingPerson) {
  const { t } = useTranslation();
  const settings = useRegisterSettings();
  const country = countryOf(settings?.jurisdiction);
  const [values, setValues] = useState<Contacts>(contactsOf(person));
  const [errors, setErrors] = useState<ContactErrors>({});
  const check = (): ContactErrors => {
    const found: ContactErrors = {};
    if (isBlank(values.fullName)) found.fullName = t('validation.required');
    if (!isBlank(values.phone) && !phoneE164(values.phone, country)) found.phone = t('desk.newPerson.invalidPhone');
    if (!isBlank(values.email) && !looksLikeEmail(values.email)) found.email = t('desk.newPerson.invalidEmail');
    return found;
  };
  // Only what changed is sent: an unchanged shared phone is not checked again.
  const changes = () => {
    const before = contactsOf(person);
    const out: { fullName?: string; phone?: string | null; email?: string | null } = {};
    if (values.fullName.trim() !== before.fullName) out.fullName = values.fullName.trim();
    if (phoneE164(values.phone, country) !== person.phone && values.phone.trim() !== before.phone) out.phone = isBlank(values.phone) ? null : values.phone;
    if (values.email.trim() !== before.email) out.email = isBlank(values.email) ? null : values.email.trim();
    return out;
  };
  const fields = (
    <>
      <Field
        label={t('desk.person.fullName')}
        value={values.fullName}
        onChange={(e) => setValues({ ...values, fullName: e.target.value })}
        error={errors.fullName}
        maxLength={300}
        autoComplete="off"
      />
      <div className="field-row">
        <Field
          wide="half"
          label={t('desk.person.phone')}
          optional
          type="tel"
          value={values.phone}
          onChange={(e) => {
            const el = e.target;
            setValues({ ...values, phone: el.selectionStart === el.value.length ? formatAsTyped(el.value, country) : el.value });
          }}
          error={errors.phone}
          maxLength={40}
          autoComplete="off"
        />
        <Field
          wide="half"
          label={t('desk.person.email')}
          optional
          type="email"
          value={values.email}
          onChange={(e) => setValues({ ...values, email: e.target.value })}
          error={errors.email}
          maxLength={320}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
    </>
  );
  return { values, errors, setErrors, check, changes, fields };
}

function SharedContactCheck({ checked, onChange }: { checked: boolean; onChange: (v: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {t('desk.form.sharedContact')}
    </label>
  );
}

// ---- edit / correct ----------------------------------------------------------------------------------

export function EditPersonDialog({ person, verification, onClose, onDone }: DoneProps & { verification: boolean }) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const form = useContactForm(person);
  const [source, setSource] = useState<string>(person.source);
  const [shared, setShared] = useState(false);
  const bodyRef = useRef<HTMLDivElement>(null);
  const duplicate = isCode(action.error, 'duplicate_person');

  const submit = async () => {
    const found = form.check();
    if (Object.keys(found).length > 0) {
      flushSync(() => form.setErrors(found));
      focusFirstInvalidIn(bodyRef.current);
      return;
    }
    form.setErrors({});
    const changes = form.changes();
    const sourceChanged = source !== person.source;
    await action.run(
      async () => {
        if (Object.keys(changes).length > 0 || sourceChanged) {
          await client.call('person.edit', {
            id: person.id,
            ...changes,
            ...(sourceChanged ? { source: source as LivingPerson['source'] } : {}),
            allowSharedContact: shared,
          });
        }
        if (verification) await client.call('person.clearVerify', { personId: person.id, outcome: 'corrected' });
      },
      () => onDone(t(verification ? 'desk.verify.corrected' : 'desk.edit.done')),
    );
  };

  return (
    <Dialog
      title={t(verification ? 'desk.verify.correctTitle' : 'desk.edit.title')}
      description={verification ? t('desk.verify.correctIntro') : undefined}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      testId="edit-dialog"
      footer={<DialogButtons submitLabel={t(verification ? 'desk.verify.correctSubmit' : 'common.save')} onCancel={onClose} busy={action.busy} />}
    >
      <div ref={bodyRef}>
        {action.errorBox}
        {duplicate && <SharedContactCheck checked={shared} onChange={setShared} />}
        {form.fields}
        <SelectField
          label={t('desk.person.source')}
          value={source}
          onChange={(e) => setSource(e.target.value)}
          options={(person.source === 'import' ? [...deskSources, 'import' as const] : deskSources).map((s) => ({ value: s, label: t(`desk.source.${s}`) }))}
        />
      </div>
    </Dialog>
  );
}

// ---- block / unblock ---------------------------------------------------------------------------------

export function BlockDialog({ person, onClose, onDone }: DoneProps) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const [reason, setReason] = useState<BlockReason>('inaccurate_data');
  const [requestedBy, setRequestedBy] = useState<BlockRequester>('subject');
  const [note, setNote] = useState('');
  const submit = () =>
    action.run(
      () => client.call('person.block', { personId: person.id, reason, requestedBy, ...(note.trim() ? { note: note.trim() } : {}) }),
      () => onDone(t('desk.block.done')),
    );
  return (
    <Dialog
      title={t('desk.block.title')}
      description={t('desk.block.intro')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      tone="danger"
      testId="block-dialog"
      footer={<DialogButtons submitLabel={t('desk.block.submit')} onCancel={onClose} busy={action.busy} danger />}
    >
      {action.errorBox}
      <SelectField
        label={t('desk.block.reason')}
        value={reason}
        onChange={(e) => setReason(e.target.value as BlockReason)}
        options={reasons.map((r) => ({ value: r, label: t(`desk.blockReason.${r}`) }))}
      />
      <SelectField
        label={t('desk.block.requestedBy')}
        value={requestedBy}
        onChange={(e) => setRequestedBy(e.target.value as BlockRequester)}
        options={requesters.map((r) => ({ value: r, label: t(`desk.requester.${r}`) }))}
      />
      <TextAreaField
        label={t('desk.form.note')}
        hint={t('desk.form.noteHint')}
        optional
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={2000}
        rows={2}
      />
    </Dialog>
  );
}

export function UnblockDialog({ person, onClose, onDone }: DoneProps) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const form = useContactForm(person);
  const [outcome, setOutcome] = useState<UnblockOutcome>('unblocked_unconfirmed');
  const [note, setNote] = useState('');
  const [shared, setShared] = useState(false);
  const [nothingChanged, setNothingChanged] = useState(false);
  const bodyRef = useRef<HTMLDivElement>(null);
  const duplicate = isCode(action.error, 'duplicate_person');

  const submit = async () => {
    let corrections: ReturnType<typeof form.changes> | undefined;
    if (outcome === 'corrected') {
      const found = form.check();
      if (Object.keys(found).length > 0) {
        flushSync(() => form.setErrors(found));
        focusFirstInvalidIn(bodyRef.current);
        return;
      }
      form.setErrors({});
      corrections = form.changes();
      if (Object.keys(corrections).length === 0) {
        setNothingChanged(true);
        return;
      }
    }
    setNothingChanged(false);
    await action.run(
      () =>
        client.call('person.unblock', {
          personId: person.id,
          outcome,
          ...(note.trim() ? { note: note.trim() } : {}),
          ...(corrections ? { corrections } : {}),
          allowSharedContact: shared,
        }),
      () => onDone(t('desk.unblock.done')),
    );
  };

  return (
    <Dialog
      title={t('desk.unblock.title')}
      description={
        person.block
          ? t('desk.unblock.intro', { date: formatDate(person.block.since), reason: t(`desk.blockReason.${person.block.reason as BlockReason}`) })
          : undefined
      }
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      size={outcome === 'corrected' ? 'wide' : 'normal'}
      testId="unblock-dialog"
      footer={<DialogButtons submitLabel={t('desk.unblock.submit')} onCancel={onClose} busy={action.busy} />}
    >
      <div ref={bodyRef}>
        {action.errorBox}
        {nothingChanged && <p className="field-error">{t('desk.unblock.nothingChanged')}</p>}
        <SelectField
          label={t('desk.unblock.outcome')}
          value={outcome}
          onChange={(e) => setOutcome(e.target.value as UnblockOutcome)}
          options={outcomes.map((o) => ({ value: o, label: t(`desk.outcome.${o}`) }))}
        />
        {outcome === 'corrected' && (
          <fieldset className="fieldset">
            <legend>{t('desk.unblock.corrections')}</legend>
            {duplicate && <SharedContactCheck checked={shared} onChange={setShared} />}
            {form.fields}
          </fieldset>
        )}
        <TextAreaField
          label={t('desk.form.note')}
          hint={t('desk.form.noteHint')}
          optional
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={2000}
          rows={2}
        />
      </div>
    </Dialog>
  );
}

// ---- verification --------------------------------------------------------------------------------------

export function MarkVerifyDialog({ person, onClose, onDone }: DoneProps) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const [reason, setReason] = useState('');
  const submit = () =>
    action.run(
      () => client.call('person.markVerify', { personId: person.id, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
      () => onDone(t('desk.verify.marked')),
    );
  return (
    <Dialog
      title={t('desk.verify.markTitle')}
      description={t('desk.verify.markIntro')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      testId="mark-verify-dialog"
      footer={<DialogButtons submitLabel={t('desk.verify.markSubmit')} onCancel={onClose} busy={action.busy} />}
    >
      {action.errorBox}
      <TextAreaField
        label={t('desk.verify.reason')}
        hint={t('desk.form.noteHint')}
        optional
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        maxLength={2000}
        rows={3}
      />
    </Dialog>
  );
}

export function ConfirmVerifyDialog({ person, onClose, onDone }: DoneProps) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const submit = () =>
    action.run(
      () => client.call('person.clearVerify', { personId: person.id, outcome: 'confirmed' }),
      () => onDone(t('desk.verify.confirmed')),
    );
  return (
    <Dialog
      title={t('desk.verify.confirmTitle')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      testId="confirm-verify-dialog"
      footer={<DialogButtons submitLabel={t('desk.verify.confirmSubmit')} onCancel={onClose} busy={action.busy} />}
    >
      {action.errorBox}
      <p>{t('desk.verify.confirmText')}</p>
      <dl className="facts">
        <dt>{t('desk.person.fullName')}</dt>
        <dd>{person.fullName}</dd>
        <dt>{t('desk.person.phone')}</dt>
        <dd>{person.phone ? formatPhone(person.phone) : t('desk.common.none')}</dd>
        <dt>{t('desk.person.email')}</dt>
        <dd>{person.email ?? t('desk.common.none')}</dd>
      </dl>
    </Dialog>
  );
}

// ---- a subject's request -------------------------------------------------------------------------------

export function RequestDialog({ person, onClose, onDone }: DoneProps) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const [type, setType] = useState<(typeof requestTypes)[number]>('access');
  const [date, setDate] = useState(isoToDisplay(todayIso()));
  const [channel, setChannel] = useState<RequestChannel>('in_person');
  const [requesterKind, setRequesterKind] = useState<RequesterKind>('subject');
  const [requester, setRequester] = useState('');
  const [dateError, setDateError] = useState<string | undefined>();
  const bodyRef = useRef<HTMLDivElement>(null);

  const submit = async () => {
    const iso = displayToIso(date);
    const problem = !iso ? t('desk.form.badDate') : iso > todayIso() ? t('desk.form.futureDate') : undefined;
    if (problem || !iso) {
      flushSync(() => setDateError(problem));
      focusFirstInvalidIn(bodyRef.current);
      return;
    }
    setDateError(undefined);
    await action.run(
      () =>
        client.call('request.open', {
          person: person.id,
          type,
          receivedAt: iso,
          channel,
          requesterKind,
          ...(requester.trim() ? { requester: requester.trim() } : {}),
        }),
      (r) => onDone(t('desk.request.done', { id: r.id, due: formatDate(r.due) })),
    );
  };

  return (
    <Dialog
      title={t('desk.request.title')}
      description={t('desk.request.intro')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      testId="request-dialog"
      footer={<DialogButtons submitLabel={t('desk.request.submit')} onCancel={onClose} busy={action.busy} />}
    >
      <div ref={bodyRef}>
        {action.errorBox}
        <SelectField
          label={t('desk.request.type')}
          value={type}
          onChange={(e) => setType(e.target.value as (typeof requestTypes)[number])}
          options={requestTypes.map((r) => ({ value: r, label: t(`desk.requestType.${r}`) }))}
        />
        <div className="field-row">
          <DateField label={t('desk.request.received')} value={date} onChange={setDate} error={dateError} />
          <SelectField
            wide="half"
            label={t('desk.request.channel')}
            value={channel}
            onChange={(e) => setChannel(e.target.value as RequestChannel)}
            options={requestChannelList.map((c) => ({ value: c, label: t(`desk.requestChannel.${c}`) }))}
          />
        </div>
        <SelectField
          label={t('desk.request.requesterKind')}
          value={requesterKind}
          onChange={(e) => setRequesterKind(e.target.value as RequesterKind)}
          options={requesterKindList.map((k) => ({ value: k, label: t(`desk.requesterKind.${k}`) }))}
        />
        <Field
          label={t('desk.request.requester')}
          hint={t('desk.request.requesterHint')}
          optional
          value={requester}
          onChange={(e) => setRequester(e.target.value)}
          maxLength={1000}
          autoComplete="off"
        />
      </div>
    </Dialog>
  );
}
