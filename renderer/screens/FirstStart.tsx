// First start: no register yet. Three steps, each one form, so Enter moves on and the browser's
// own focus order is the order of the fields. The recovery code exists only in this component's
// state until the user leaves the screen; it is never stored.
import { type FormEvent, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { Jurisdiction } from '../../db/schemas.ts';
import { useClient } from '../api/context.ts';
import { Field } from '../components/Field.tsx';
import { focusFirstInvalid, useFocusOnMount, useValidatedSubmit } from '../components/focus.ts';
import { ErrorBox } from '../components/Messages.tsx';
import { Shell } from '../components/Shell.tsx';
import { formatDate } from '../format/date.ts';
import { type AdminForm, digits, type FieldErrors, hasErrors, type OperatorForm, validateAdmin, validateOperator } from '../forms/validate.ts';
import { useSession } from '../state/session.ts';

const steps = ['operator', 'admin', 'recovery'] as const;
type Step = (typeof steps)[number];

interface Created {
  recoveryCode: string;
  adminLogin: string;
  operatorName: string;
  createdOn: string;
}

export function FirstStart() {
  const { t } = useTranslation();
  const [step, setStep] = useState<Step>('operator');
  const [operator, setOperator] = useState<OperatorForm>({ jurisdiction: 'RU', name: '', address: '', taxId: '', ogrn: '' });
  const [admin, setAdmin] = useState<AdminForm>({ login: '', fullName: '', position: '', password: '', passwordConfirm: '' });
  const [created, setCreated] = useState<Created | null>(null);
  const current = steps.indexOf(step) + 1;

  return (
    <Shell wide>
      <h1 className="no-print">{t('firstStart.title')}</h1>
      {step === 'operator' && <p className="lead no-print">{t('firstStart.intro')}</p>}
      <ol className="steps no-print" aria-label={t('common.steps')}>
        {steps.map((s, i) => (
          <li key={s} className={s === step ? 'step-current' : i + 1 < current ? 'step-done' : undefined} aria-current={s === step ? 'step' : undefined}>
            <span className="step-number" aria-hidden="true">
              {i + 1}
            </span>
            <span>{t(`firstStart.steps.${s}`)}</span>
          </li>
        ))}
      </ol>
      <p className="step-of no-print">{t('common.stepOf', { current, total: steps.length })}</p>
      {step === 'operator' && <OperatorStep value={operator} onChange={setOperator} onDone={() => setStep('admin')} />}
      {step === 'admin' && (
        <AdminStep
          operator={operator}
          value={admin}
          onChange={setAdmin}
          onBack={() => setStep('operator')}
          onCreated={(c) => {
            setCreated(c);
            setAdmin({ ...admin, password: '', passwordConfirm: '' });
            setStep('recovery');
          }}
        />
      )}
      {step === 'recovery' && created && <RecoveryStep created={created} />}
    </Shell>
  );
}

function OperatorStep({ value, onChange, onDone }: { value: OperatorForm; onChange: (v: OperatorForm) => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [errors, setErrors] = useState<FieldErrors<keyof OperatorForm>>({});
  const formRef = useRef<HTMLFormElement>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  useFocusOnMount(firstRef);
  const set = <K extends keyof OperatorForm>(key: K, v: OperatorForm[K]) => {
    onChange({ ...value, [key]: v });
    if (errors[key]) setErrors({ ...errors, [key]: undefined });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validateOperator(value);
    if (hasErrors(found)) {
      flushSync(() => setErrors(found));
      focusFirstInvalid(formRef.current);
      return;
    }
    onDone();
  };
  const ru = value.jurisdiction === 'RU';
  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-labelledby="operator-heading">
      <h2 id="operator-heading">{t('firstStart.operator.heading')}</h2>
      <fieldset className="choice-group">
        <legend>{t('firstStart.operator.jurisdiction')}</legend>
        {(['RU', 'KZ'] as const satisfies readonly Jurisdiction[]).map((j) => (
          <label key={j} className="choice">
            <input
              ref={value.jurisdiction === j ? firstRef : undefined}
              type="radio"
              name="jurisdiction"
              value={j}
              checked={value.jurisdiction === j}
              onChange={() => set('jurisdiction', j)}
            />
            <span>{t(j === 'RU' ? 'firstStart.operator.jurisdictionRU' : 'firstStart.operator.jurisdictionKZ')}</span>
          </label>
        ))}
      </fieldset>
      <Field
        label={t('firstStart.operator.name')}
        hint={t('firstStart.operator.nameHint')}
        value={value.name}
        onChange={(e) => set('name', e.target.value)}
        error={errors.name}
        autoComplete="organization"
        maxLength={500}
      />
      <Field
        label={t('firstStart.operator.address')}
        value={value.address}
        onChange={(e) => set('address', e.target.value)}
        error={errors.address}
        autoComplete="street-address"
        maxLength={1000}
      />
      <div className="field-row">
        <Field
          wide="half"
          label={t(ru ? 'firstStart.operator.taxIdRU' : 'firstStart.operator.taxIdKZ')}
          hint={t(ru ? 'firstStart.operator.taxIdHintRU' : 'firstStart.operator.taxIdHintKZ')}
          value={value.taxId}
          onChange={(e) => set('taxId', e.target.value)}
          error={errors.taxId}
          inputMode="numeric"
          autoComplete="off"
          maxLength={20}
        />
        {ru && (
          <Field
            wide="half"
            optional
            label={t('firstStart.operator.ogrn')}
            hint={t('firstStart.operator.ogrnHint')}
            value={value.ogrn}
            onChange={(e) => set('ogrn', e.target.value)}
            error={errors.ogrn}
            inputMode="numeric"
            autoComplete="off"
            maxLength={20}
          />
        )}
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary">
          {t('common.next')}
        </button>
      </div>
    </form>
  );
}

interface AdminStepProps {
  operator: OperatorForm;
  value: AdminForm;
  onChange: (v: AdminForm) => void;
  onBack: () => void;
  onCreated: (c: Created) => void;
}

function AdminStep({ operator, value, onChange, onBack, onCreated }: AdminStepProps) {
  const { t } = useTranslation();
  const client = useClient();
  const firstRef = useRef<HTMLInputElement>(null);
  useFocusOnMount(firstRef);
  const { errors, clearError, busy, failure, formRef, submit } = useValidatedSubmit<keyof AdminForm>({
    validate: () => validateAdmin(value),
    run: async () => {
      const ogrn = digits(operator.ogrn);
      const result = await client.create({
        jurisdiction: operator.jurisdiction,
        operator: {
          name: operator.name.trim(),
          address: operator.address.trim(),
          taxId: digits(operator.taxId),
          ...(operator.jurisdiction === 'RU' && ogrn !== '' ? { ogrn } : {}),
        },
        admin: { login: value.login.trim(), fullName: value.fullName.trim(), position: value.position.trim(), password: value.password },
      });
      onCreated({ recoveryCode: result.recoveryCode, adminLogin: value.login.trim(), operatorName: operator.name.trim(), createdOn: formatDate(new Date()) });
    },
  });
  const set = (key: keyof AdminForm, v: string) => {
    onChange({ ...value, [key]: v });
    clearError(key);
  };
  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-labelledby="admin-heading" aria-busy={busy}>
      <h2 id="admin-heading">{t('firstStart.admin.heading')}</h2>
      <p className="lead">{t('firstStart.admin.intro')}</p>
      {failure !== null && <ErrorBox error={failure} />}
      <div className="field-row">
        <Field
          ref={firstRef}
          wide="half"
          label={t('firstStart.admin.login')}
          hint={t('firstStart.admin.loginHint')}
          value={value.login}
          onChange={(e) => set('login', e.target.value)}
          error={errors.login}
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          maxLength={64}
        />
        <Field
          wide="half"
          optional
          label={t('firstStart.admin.position')}
          value={value.position}
          onChange={(e) => set('position', e.target.value)}
          autoComplete="organization-title"
          maxLength={200}
        />
      </div>
      <Field
        label={t('firstStart.admin.fullName')}
        value={value.fullName}
        onChange={(e) => set('fullName', e.target.value)}
        error={errors.fullName}
        autoComplete="name"
        maxLength={300}
      />
      <div className="field-row">
        <Field
          wide="half"
          type="password"
          label={t('firstStart.admin.password')}
          hint={t('firstStart.admin.passwordHint')}
          value={value.password}
          onChange={(e) => set('password', e.target.value)}
          error={errors.password}
          autoComplete="new-password"
          maxLength={1024}
        />
        <Field
          wide="half"
          type="password"
          label={t('firstStart.admin.passwordConfirm')}
          value={value.passwordConfirm}
          onChange={(e) => set('passwordConfirm', e.target.value)}
          error={errors.passwordConfirm}
          autoComplete="new-password"
          maxLength={1024}
        />
      </div>
      <div className="actions">
        <button type="button" className="button" onClick={onBack} disabled={busy}>
          {t('common.back')}
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? t('firstStart.admin.creating') : t('firstStart.admin.create')}
        </button>
      </div>
    </form>
  );
}

function RecoveryStep({ created }: { created: Created }) {
  const { t } = useTranslation();
  const show = useSession((s) => s.show);
  const [saved, setSaved] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useFocusOnMount(headingRef);
  return (
    <section aria-labelledby="recovery-heading" className="recovery">
      <h2 id="recovery-heading" ref={headingRef} tabIndex={-1} className="no-print">
        {t('firstStart.recovery.heading')}
      </h2>
      <div className="message message-success no-print" role="status">
        <p className="message-title">{t('firstStart.recovery.created')}</p>
      </div>
      <p className="lead no-print">{t('firstStart.recovery.instruction')}</p>
      <div className="recovery-sheet">
        <p className="print-only print-title">{t('firstStart.recovery.printTitle')}</p>
        <p className="print-only">{t('firstStart.recovery.printOperator', { name: created.operatorName })}</p>
        <p className="print-only">{t('firstStart.recovery.printDate', { date: created.createdOn })}</p>
        <p className="recovery-code-label">{t('firstStart.recovery.codeLabel')}</p>
        <p className="recovery-code" data-testid="recovery-code">
          {created.recoveryCode}
        </p>
        <p className="print-only">{t('firstStart.recovery.printKeep')}</p>
      </div>
      <p className="warning no-print">{t('firstStart.recovery.warning')}</p>
      <div className="actions actions-start no-print">
        <button type="button" className="button" onClick={() => window.print()}>
          {t('firstStart.recovery.print')}
        </button>
      </div>
      <label className="check no-print">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />
        <span>{t('firstStart.recovery.saved')}</span>
      </label>
      <div className="actions no-print">
        <button
          type="button"
          className="button button-primary"
          disabled={!saved}
          onClick={() => show({ name: 'unlock', notice: 'created', login: created.adminLogin })}
        >
          {t('firstStart.recovery.continue')}
        </button>
      </div>
    </section>
  );
}
