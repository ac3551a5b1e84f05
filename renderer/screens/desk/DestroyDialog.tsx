// Destruction (manager only): the fields of the Order 179 act, then a deliberate confirmation —
// the person's number typed by hand — because nothing brings the data back.
import { useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../api/context.ts';
import { ActionButton } from '../../components/ActionButton.tsx';
import { DateField } from '../../components/DateField.tsx';
import { Dialog, DialogButtons, focusFirstInvalidIn } from '../../components/Dialog.tsx';
import { displayToIso, isoToDisplay, todayIso } from '../../components/date-input.ts';
import { Field, TextAreaField } from '../../components/Field.tsx';
import type { LivingPerson } from '../../state/person.ts';
import { useSession } from '../../state/session.ts';
import { useAction } from './action.tsx';

interface Signer {
  fullName: string;
  position: string;
}

interface Medium {
  name: string;
  sheets: string;
}

type Errors = Record<string, string>;

export function DestroyDialog({ person, onClose, onDone }: { person: LivingPerson; onClose: () => void; onDone: (message: string) => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const actor = useSession((s) => s.actor);
  const action = useAction();
  const [number, setNumber] = useState('');
  const [date, setDate] = useState(isoToDisplay(todayIso()));
  const [reason, setReason] = useState('');
  const [method, setMethod] = useState(t('desk.destroy.methodDefault'));
  const [signers, setSigners] = useState<Signer[]>([{ fullName: actor?.fullName ?? '', position: '' }]);
  const [media, setMedia] = useState<Medium[]>([]);
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const bodyRef = useRef<HTMLDivElement>(null);
  const confirmed = confirm.trim() === String(person.id);

  // The signer's position, as the register knows it.
  useEffect(() => {
    let live = true;
    client.call('user.me', {}).then(
      (me) => live && setSigners((s) => s.map((x, i) => (i === 0 && x.position === '' ? { ...x, position: me.position } : x))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client]);

  const submit = async () => {
    const found: Errors = {};
    const iso = displayToIso(date);
    if (number.trim() === '') found.number = t('validation.required');
    if (!iso) found.date = t('desk.form.badDate');
    else if (iso > todayIso()) found.date = t('desk.form.futureDate');
    if (reason.trim() === '') found.reason = t('validation.required');
    if (method.trim() === '') found.method = t('validation.required');
    signers.forEach((s, i) => {
      if (s.fullName.trim() === '') found[`signer${i}name`] = t('validation.required');
      if (s.position.trim() === '') found[`signer${i}position`] = t('validation.required');
    });
    media.forEach((m, i) => {
      if (m.name.trim() === '') found[`medium${i}name`] = t('validation.required');
      if (!/^\d+$/.test(m.sheets.trim()) || Number(m.sheets) < 1) found[`medium${i}sheets`] = t('desk.destroy.sheetsNumber');
    });
    if (!confirmed) found.confirm = t('desk.destroy.confirmMismatch', { id: person.id });
    if (Object.keys(found).length > 0 || !iso) {
      flushSync(() => setErrors(found));
      focusFirstInvalidIn(bodyRef.current);
      return;
    }
    setErrors({});
    await action.run(
      () =>
        client.call('person.destroy', {
          personIds: [person.id],
          act: {
            number: number.trim(),
            date: iso,
            reason: reason.trim(),
            method: method.trim(),
            destroyedBy: signers.map((s) => ({ fullName: s.fullName.trim(), position: s.position.trim() })),
            paperMedia: media.map((m) => ({ name: m.name.trim(), sheets: Number(m.sheets) })),
          },
        }),
      (act) => onDone(t('desk.destroy.done', { number: act.number })),
    );
  };

  return (
    <Dialog
      title={t('desk.destroy.title')}
      description={t('desk.destroy.intro')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      size="wide"
      tone="danger"
      testId="destroy-dialog"
      footer={<DialogButtons submitLabel={t('desk.destroy.submit')} onCancel={onClose} busy={action.busy} danger submitDisabled={!confirmed} />}
    >
      <div ref={bodyRef}>
        {action.errorBox}
        <div className="field-row">
          <Field
            wide="half"
            label={t('desk.destroy.number')}
            value={number}
            onChange={(e) => setNumber(e.target.value)}
            error={errors.number}
            maxLength={100}
            autoComplete="off"
          />
          <DateField label={t('desk.destroy.date')} value={date} onChange={setDate} error={errors.date} />
        </div>
        <TextAreaField
          label={t('desk.destroy.reason')}
          hint={t('desk.destroy.reasonHint')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={errors.reason}
          maxLength={2000}
          rows={2}
        />
        <Field label={t('desk.destroy.method')} value={method} onChange={(e) => setMethod(e.target.value)} error={errors.method} maxLength={1000} />
        <fieldset className="fieldset">
          <legend>{t('desk.destroy.signers')}</legend>
          {signers.map((s, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and only appended or removed at the end
            <div className="field-row" key={i}>
              <Field
                wide="half"
                label={t('desk.destroy.signerName', { n: i + 1 })}
                value={s.fullName}
                onChange={(e) => setSigners(signers.map((x, j) => (j === i ? { ...x, fullName: e.target.value } : x)))}
                error={errors[`signer${i}name`]}
                maxLength={300}
              />
              <Field
                wide="half"
                label={t('desk.destroy.signerPosition', { n: i + 1 })}
                value={s.position}
                onChange={(e) => setSigners(signers.map((x, j) => (j === i ? { ...x, position: e.target.value } : x)))}
                error={errors[`signer${i}position`]}
                maxLength={300}
              />
            </div>
          ))}
          <div className="actions actions-start">
            <ActionButton small onClick={() => setSigners([...signers, { fullName: '', position: '' }])}>
              {t('desk.destroy.addSigner')}
            </ActionButton>
            {signers.length > 1 && (
              <ActionButton small onClick={() => setSigners(signers.slice(0, -1))}>
                {t('desk.destroy.removeSigner')}
              </ActionButton>
            )}
          </div>
        </fieldset>
        <fieldset className="fieldset">
          <legend>{t('desk.destroy.media')}</legend>
          <p className="field-hint">{t('desk.destroy.mediaHint')}</p>
          {media.map((m, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and only appended or removed at the end
            <div className="field-row" key={i}>
              <Field
                wide="half"
                label={t('desk.destroy.mediumName', { n: i + 1 })}
                value={m.name}
                onChange={(e) => setMedia(media.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))}
                error={errors[`medium${i}name`]}
                maxLength={300}
              />
              <Field
                wide="half"
                label={t('desk.destroy.mediumSheets', { n: i + 1 })}
                inputMode="numeric"
                value={m.sheets}
                onChange={(e) => setMedia(media.map((x, j) => (j === i ? { ...x, sheets: e.target.value } : x)))}
                error={errors[`medium${i}sheets`]}
                maxLength={7}
              />
            </div>
          ))}
          <div className="actions actions-start">
            <ActionButton small onClick={() => setMedia([...media, { name: '', sheets: '1' }])}>
              {t('desk.destroy.addMedium')}
            </ActionButton>
            {media.length > 0 && (
              <ActionButton small onClick={() => setMedia(media.slice(0, -1))}>
                {t('desk.destroy.removeMedium')}
              </ActionButton>
            )}
          </div>
        </fieldset>
        <div className="danger-zone">
          <p className="danger-text">{t('desk.destroy.warning', { name: person.fullName })}</p>
          <Field
            label={t('desk.destroy.confirm', { id: person.id })}
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            error={errors.confirm}
            inputMode="numeric"
            autoComplete="off"
            maxLength={20}
          />
        </div>
      </div>
    </Dialog>
  );
}
