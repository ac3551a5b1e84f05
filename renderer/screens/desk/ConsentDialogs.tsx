// Consent dialogs of the person card: record a signed paper form (with an optional scan), record a
// withdrawal or a refusal, print the form for one purpose, look at a stored scan.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { FormLanguage } from '../../../db/form-templates.ts';
import type { HostDefaults, OperationResult } from '../../api/client.ts';
import { useClient } from '../../api/context.ts';
import { errorCode } from '../../api/errors.ts';
import { ActionButton } from '../../components/ActionButton.tsx';
import { DateField } from '../../components/DateField.tsx';
import { Dialog, DialogButtons, focusFirstInvalidIn } from '../../components/Dialog.tsx';
import { displayToIso, isoToDisplay, todayIso } from '../../components/date-input.ts';
import { Field, SelectField, TextAreaField } from '../../components/Field.tsx';
import { FileField } from '../../components/FileField.tsx';
import { ErrorBox, Notice } from '../../components/Messages.tsx';
import type { LivingPerson, PurposeConsent } from '../../state/person.ts';
import { useRegisterSettings } from '../../state/register-settings.ts';
import { readAsBase64, useAction } from './action.tsx';
import { type ConsentChannel, channels } from './codes.ts';

interface DoneProps {
  person: LivingPerson;
  onClose: () => void;
  onDone: (message: string) => void;
}

const scanMimes = ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'] as const;
type ScanMime = (typeof scanMimes)[number];
const maxScanBytes = 20 * 1024 * 1024;

function isScanMime(m: string): m is ScanMime {
  return (scanMimes as readonly string[]).includes(m);
}

// ---- record a signed paper form ------------------------------------------------------------------

type PaperErrors = Partial<Record<'date' | 'formNumber' | 'formVersion' | 'validUntil' | 'repName' | 'repAuthority' | 'scan', string>>;

export function PaperConsentDialog({
  person,
  consents,
  titleOf,
  purpose: initialPurpose,
  formVersion: givenVersion,
  fromCode = false,
  onClose,
  onDone,
}: DoneProps & { consents: PurposeConsent[]; titleOf: (code: string) => string; purpose: string; formVersion?: string; fromCode?: boolean }) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const settings = useRegisterSettings();
  const versionsId = useId();
  const [purpose, setPurpose] = useState(initialPurpose);
  const [date, setDate] = useState(isoToDisplay(todayIso()));
  const [formNumber, setFormNumber] = useState('');
  const [formVersion, setFormVersion] = useState(givenVersion ?? '');
  const [versions, setVersions] = useState<string[]>([]);
  const [validUntil, setValidUntil] = useState('');
  const [byRepresentative, setByRepresentative] = useState(false);
  const [repName, setRepName] = useState('');
  const [repAuthority, setRepAuthority] = useState('');
  const [scan, setScan] = useState<File | null>(null);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<PaperErrors>({});
  const clearError = (field: keyof PaperErrors) => setErrors((e) => (e[field] ? { ...e, [field]: undefined } : e));
  const bodyRef = useRef<HTMLDivElement>(null);
  // From a scanned form the date and version are known: the number written on the form is next.
  const numberRef = useRef<HTMLInputElement>(null);

  // The current form versions of this purpose, offered (and the one of the register's language
  // filled in) when the form was not scanned.
  useEffect(() => {
    let live = true;
    client.call('formTemplate.list', { purpose, currentOnly: true }).then(
      (r) => {
        if (!live) return;
        const list = r.templates.map((x) => x.formVersion);
        setVersions(list);
        if (!givenVersion) {
          const lang: FormLanguage = settings?.jurisdiction === 'KZ' ? 'kk' : 'ru';
          setFormVersion((v) => v || (r.templates.find((x) => x.language === lang)?.formVersion ?? list[0] ?? ''));
        }
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, purpose, givenVersion, settings?.jurisdiction]);

  const offered = consents.filter((c) => c.purpose.active);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: PaperErrors = {};
    const iso = displayToIso(date);
    if (!iso) found.date = t('desk.form.badDate');
    else if (iso > todayIso()) found.date = t('desk.form.futureDate');
    if (formNumber.trim() === '') found.formNumber = t('validation.required');
    if (formVersion.trim() === '') found.formVersion = t('validation.required');
    const until = validUntil.trim() === '' ? null : displayToIso(validUntil);
    if (validUntil.trim() !== '' && !until) found.validUntil = t('desk.form.badDate');
    if (byRepresentative && repName.trim() === '') found.repName = t('validation.required');
    if (byRepresentative && repAuthority.trim() === '') found.repAuthority = t('validation.required');
    if (scan && !isScanMime(scan.type)) found.scan = t('desk.paper.scanType');
    else if (scan && scan.size > maxScanBytes) found.scan = t('desk.paper.scanSize');
    if (Object.keys(found).length > 0) {
      flushSync(() => setErrors(found));
      focusFirstInvalidIn(bodyRef.current);
      return;
    }
    setErrors({});
    await action.run(
      async () => {
        const content = scan ? await readAsBase64(scan) : null;
        return client.call('consent.give', {
          personId: person.id,
          purpose,
          date: iso ?? undefined,
          channel: 'paper',
          formVersion: formVersion.trim(),
          paperFormNumber: formNumber.trim(),
          ...(until ? { validUntil: until } : {}),
          ...(byRepresentative ? { representative: { name: repName.trim(), authority: repAuthority.trim() } } : {}),
          ...(scan && content ? { scan: { content, mime: scan.type as ScanMime } } : {}),
          ...(note.trim() ? { note: note.trim() } : {}),
        });
      },
      () => onDone(t('desk.paper.done', { purpose: titleOf(purpose) })),
    );
  };

  return (
    <Dialog
      title={t('desk.paper.title')}
      description={t('desk.paper.intro', { name: person.fullName })}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      busy={action.busy}
      size="wide"
      initialFocus={givenVersion ? numberRef : undefined}
      testId="paper-dialog"
      footer={<DialogButtons submitLabel={t('desk.paper.submit')} onCancel={onClose} busy={action.busy} />}
    >
      <div ref={bodyRef}>
        {fromCode && givenVersion && <Notice>{t('desk.paper.fromCode', { version: givenVersion })}</Notice>}
        {action.errorBox}
        <SelectField
          label={t('desk.consents.purpose')}
          value={purpose}
          onChange={(e) => setPurpose(e.target.value)}
          options={offered.map((c) => ({ value: c.purpose.code, label: titleOf(c.purpose.code) }))}
        />
        <div className="field-row">
          <DateField
            label={t('desk.paper.date')}
            value={date}
            onChange={(v) => {
              setDate(v);
              clearError('date');
            }}
            error={errors.date}
          />
          <Field
            ref={numberRef}
            wide="half"
            label={t('desk.paper.formNumber')}
            hint={t('desk.paper.formNumberHint')}
            value={formNumber}
            onChange={(e) => {
              setFormNumber(e.target.value);
              clearError('formNumber');
            }}
            error={errors.formNumber}
            autoComplete="off"
            maxLength={100}
          />
        </div>
        <div className="field-row">
          <Field
            wide="half"
            label={t('desk.paper.formVersion')}
            hint={t('desk.paper.formVersionHint')}
            value={formVersion}
            onChange={(e) => {
              setFormVersion(e.target.value);
              clearError('formVersion');
            }}
            error={errors.formVersion}
            list={versions.length > 0 ? versionsId : undefined}
            autoComplete="off"
            maxLength={100}
          />
          <datalist id={versionsId}>
            {versions.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
          <DateField
            label={t('desk.paper.validUntil')}
            hint={t('desk.paper.validUntilHint')}
            optional
            value={validUntil}
            onChange={(v) => {
              setValidUntil(v);
              clearError('validUntil');
            }}
            error={errors.validUntil}
          />
        </div>
        <label className="check">
          <input type="checkbox" checked={byRepresentative} onChange={(e) => setByRepresentative(e.target.checked)} />
          {t('desk.paper.byRepresentative')}
        </label>
        {byRepresentative && (
          <div className="field-row">
            <Field
              wide="half"
              label={t('desk.paper.repName')}
              value={repName}
              onChange={(e) => {
                setRepName(e.target.value);
                clearError('repName');
              }}
              error={errors.repName}
              maxLength={300}
            />
            <Field
              wide="half"
              label={t('desk.paper.repAuthority')}
              hint={t('desk.paper.repAuthorityHint')}
              value={repAuthority}
              onChange={(e) => {
                setRepAuthority(e.target.value);
                clearError('repAuthority');
              }}
              error={errors.repAuthority}
              maxLength={500}
            />
          </div>
        )}
        <FileField
          label={t('desk.paper.scan')}
          hint={t('desk.paper.scanHint')}
          optional
          accept=".pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff"
          file={scan}
          onChange={(f) => {
            setScan(f);
            clearError('scan');
          }}
          error={errors.scan}
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
      </div>
    </Dialog>
  );
}

// ---- withdrawal or refusal -----------------------------------------------------------------------

export function WithdrawDialog({ mode, person, purpose, title, onClose, onDone }: DoneProps & { mode: 'withdraw' | 'refuse'; purpose: string; title: string }) {
  const { t } = useTranslation();
  const client = useClient();
  const action = useAction();
  const [channel, setChannel] = useState<ConsentChannel>('in_person');
  const [date, setDate] = useState(isoToDisplay(todayIso()));
  const [note, setNote] = useState('');
  const [dateError, setDateError] = useState<string | undefined>();
  const bodyRef = useRef<HTMLDivElement>(null);
  const withdraw = mode === 'withdraw';

  const submit = async () => {
    const iso = displayToIso(date);
    const problem = !iso ? t('desk.form.badDate') : iso > todayIso() ? t('desk.form.futureDate') : undefined;
    if (problem || !iso) {
      flushSync(() => setDateError(problem));
      focusFirstInvalidIn(bodyRef.current);
      return;
    }
    setDateError(undefined);
    const input = { personId: person.id, purpose, date: iso, channel, ...(note.trim() ? { note: note.trim() } : {}) };
    await action.run(
      () => (withdraw ? client.call('consent.withdraw', input) : client.call('consent.refuse', input)),
      () => onDone(t(withdraw ? 'desk.withdraw.done' : 'desk.refuse.done', { purpose: title })),
    );
  };

  return (
    <Dialog
      title={t(withdraw ? 'desk.withdraw.title' : 'desk.refuse.title')}
      description={t(withdraw ? 'desk.withdraw.intro' : 'desk.refuse.intro', { purpose: title })}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      testId={`${mode}-dialog`}
      footer={<DialogButtons submitLabel={t(withdraw ? 'desk.withdraw.submit' : 'desk.refuse.submit')} onCancel={onClose} busy={action.busy} />}
    >
      <div ref={bodyRef}>
        {action.errorBox}
        <SelectField
          label={t(withdraw ? 'desk.withdraw.channel' : 'desk.refuse.channel')}
          value={channel}
          onChange={(e) => setChannel(e.target.value as ConsentChannel)}
          options={channels.map((c) => ({ value: c, label: t(`desk.channel.${c}`) }))}
        />
        <DateField label={t(withdraw ? 'desk.withdraw.date' : 'desk.refuse.date')} value={date} onChange={setDate} error={dateError} wide="full" />
        <TextAreaField
          label={t('desk.form.note')}
          hint={t('desk.form.noteHint')}
          optional
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={2000}
          rows={2}
        />
        {withdraw && <p className="field-hint">{t('desk.withdraw.onlyThis')}</p>}
      </div>
    </Dialog>
  );
}

// ---- print the form ------------------------------------------------------------------------------

type Printed = OperationResult<'print.consent'>;

function joinPath(dir: string, name: string, sep: '/' | '\\'): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}${sep}${name}`;
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

export function PrintDialog({
  person,
  purpose,
  title,
  onClose,
  onRecord,
}: {
  person: LivingPerson;
  purpose: string;
  title: string;
  onClose: () => void;
  onRecord: (formVersion: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const settings = useRegisterSettings();
  const action = useAction();
  const [host, setHost] = useState<HostDefaults | null>(null);
  const [language, setLanguage] = useState<FormLanguage>(i18n.resolvedLanguage === 'kk' ? 'kk' : 'ru');
  const [path, setPath] = useState('');
  const [pathError, setPathError] = useState<string | undefined>();
  const [printed, setPrinted] = useState<Printed | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [revealProblem, setRevealProblem] = useState<string | null>(null);
  const doneRef = useRef<HTMLDivElement>(null);
  const languageTouched = useRef(false);

  const fileName = `consent-${person.id}-${purpose}-${language}-${todayIso().replace(/-/g, '')}.pdf`;

  useEffect(() => {
    let live = true;
    client.defaults().then(
      (d) => live && setHost(d),
      () => live && setHost({ exportsDir: '', pathSeparator: '/', nativeDialogs: false }),
    );
    return () => {
      live = false;
    };
  }, [client]);

  // The form's language follows the register's country unless the desk chose one.
  useEffect(() => {
    if (!languageTouched.current && settings) setLanguage(settings.jurisdiction === 'KZ' ? 'kk' : 'ru');
  }, [settings]);

  // The suggested file follows the language until the desk types a path of its own.
  const pathTouched = useRef(false);
  useEffect(() => {
    if (host && !host.nativeDialogs && !pathTouched.current && host.exportsDir) setPath(joinPath(host.exportsDir, fileName, host.pathSeparator));
  }, [host, fileName]);

  const print = async (outPath: string) => {
    await action.run(
      () => client.call('print.consent', { personId: person.id, purpose, language, outPath }),
      (r) => {
        flushSync(() => setPrinted(r));
        doneRef.current?.focus();
      },
    );
  };

  useEffect(() => {
    if (errorCode(action.error) === 'unknown_operation') setUnavailable(true);
  }, [action.error]);

  const submit = async () => {
    if (!host) return;
    if (host.nativeDialogs) {
      const chosen = await client.choosePath({ kind: 'save', defaultName: fileName, filters: [{ name: 'PDF', extensions: ['pdf'] }] });
      if (chosen) await print(chosen);
      return;
    }
    const p = path.trim();
    if (!isAbsolute(p)) {
      setPathError(t('desk.print.absolutePath'));
      return;
    }
    setPathError(undefined);
    await print(p);
  };

  const reveal = async () => {
    if (!printed) return;
    try {
      const r = await client.reveal({ path: printed.path });
      setRevealProblem(r.ok ? null : (r.message ?? t('desk.print.revealFailed')));
    } catch {
      setRevealProblem(t('desk.print.revealFailed'));
    }
  };

  if (printed) {
    return (
      <Dialog
        title={t('desk.print.doneTitle')}
        onClose={onClose}
        testId="print-dialog"
        footer={
          <>
            <ActionButton onClick={onClose}>{t('common.close')}</ActionButton>
            <ActionButton variant="primary" onClick={() => onRecord(printed.formVersion)}>
              {t('desk.print.recordSigned')}
            </ActionButton>
          </>
        }
      >
        <div ref={doneRef} tabIndex={-1} className="print-done">
          <p>{t('desk.print.done', { purpose: title, version: printed.formVersion })}</p>
          <p className="path" data-testid="printed-path">
            {printed.path}
          </p>
          <p className="field-hint">{t('desk.print.plaintext')}</p>
          <div className="actions actions-start">
            <ActionButton onClick={() => void reveal()}>{t('desk.print.reveal')}</ActionButton>
            <ActionButton onClick={() => void navigator.clipboard?.writeText(printed.path).catch(() => undefined)}>{t('desk.print.copyPath')}</ActionButton>
          </div>
          {revealProblem && <ErrorBox text={revealProblem} />}
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      title={t('desk.print.title')}
      description={t('desk.print.intro', { purpose: title })}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={action.busy}
      size="wide"
      testId="print-dialog"
      footer={
        unavailable ? (
          <ActionButton onClick={onClose}>{t('common.close')}</ActionButton>
        ) : (
          <DialogButtons
            submitLabel={host?.nativeDialogs ? t('desk.print.saveAs') : t('desk.print.submit')}
            onCancel={onClose}
            busy={action.busy}
            submitDisabled={!host}
          />
        )
      }
    >
      {unavailable ? (
        <ErrorBox text={t('desk.print.unavailable')} />
      ) : (
        <>
          {action.errorBox}
          <SelectField
            label={t('desk.print.language')}
            value={language}
            onChange={(e) => {
              languageTouched.current = true;
              setLanguage(e.target.value as FormLanguage);
            }}
            options={[
              { value: 'ru', label: t('languages.ru') },
              { value: 'kk', label: t('languages.kk') },
            ]}
          />
          {host && !host.nativeDialogs && (
            <Field
              label={t('desk.print.path')}
              hint={t('desk.print.pathHint')}
              value={path}
              onChange={(e) => {
                pathTouched.current = true;
                setPath(e.target.value);
              }}
              error={pathError}
              spellCheck={false}
              autoComplete="off"
              className="input-path"
              maxLength={4000}
            />
          )}
          <p className="field-hint">{t('desk.print.plaintext')}</p>
        </>
      )}
    </Dialog>
  );
}

// ---- a stored scan ---------------------------------------------------------------------------------

export function ScanDialog({ scanId, mime, onClose }: { scanId: number; mime: string; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [url, setUrl] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    let made: string | null = null;
    client.call('consent.getScan', { scanId }).then(
      (s) => {
        if (!live) return;
        const bytes = Uint8Array.from(atob(s.content), (c) => c.charCodeAt(0));
        made = URL.createObjectURL(new Blob([bytes], { type: s.mime }));
        setUrl(made);
      },
      (err) => live && setFailure(err),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [client, scanId]);

  const image = mime === 'image/jpeg' || mime === 'image/png';
  const extension = mime === 'application/pdf' ? 'pdf' : mime === 'image/tiff' ? 'tif' : mime === 'image/png' ? 'png' : 'jpg';
  return (
    <Dialog title={t('desk.scanView.title')} onClose={onClose} size="wide" footer={<ActionButton onClick={onClose}>{t('common.close')}</ActionButton>}>
      {failure !== null && <ErrorBox error={failure} />}
      {url === null && failure === null && <p className="loading">{t('app.loading')}</p>}
      {url && image && <img className="scan-image" src={url} alt={t('desk.scanView.alt')} />}
      {url && (
        <p>
          <a className="button" href={url} download={`scan-${scanId}.${extension}`}>
            {t('desk.scanView.save')}
          </a>
        </p>
      )}
      <p className="field-hint">{t('desk.scanView.note')}</p>
    </Dialog>
  );
}
