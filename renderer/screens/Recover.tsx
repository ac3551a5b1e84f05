import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../api/context.ts';
import { errorCode } from '../api/errors.ts';
import { Field } from '../components/Field.tsx';
import { useFocusOnMount, useValidatedSubmit } from '../components/focus.ts';
import { ErrorBox } from '../components/Messages.tsx';
import { Shell } from '../components/Shell.tsx';
import { type RecoverForm, validateRecover } from '../forms/validate.ts';
import { useSession } from '../state/session.ts';

// Every password forgotten: the printed recovery code sets a new password for one user.
export function Recover({ login: initialLogin = '' }: { login?: string }) {
  const { t } = useTranslation();
  const client = useClient();
  const show = useSession((s) => s.show);
  const [value, setValue] = useState<RecoverForm>({ code: '', login: initialLogin, newPassword: '', newPasswordConfirm: '' });
  const codeRef = useRef<HTMLInputElement>(null);
  useFocusOnMount(codeRef);
  const { errors, clearError, busy, failure, formRef, submit } = useValidatedSubmit<keyof RecoverForm>({
    validate: () => validateRecover(value),
    run: async () => {
      await client.recover(value.code.trim(), value.login.trim(), value.newPassword);
      show({ name: 'unlock', notice: 'recovered', login: value.login.trim() });
    },
  });

  const set = (key: keyof RecoverForm, v: string) => {
    setValue({ ...value, [key]: v });
    clearError(key);
  };

  const code = failure === null ? null : errorCode(failure);
  return (
    <Shell>
      <h1>{t('recover.title')}</h1>
      <p className="lead">{t('recover.intro')}</p>
      {failure !== null &&
        (code === 'auth_failed' ? (
          <ErrorBox text={t('recover.wrongCode')} />
        ) : code === 'not_found' ? (
          <ErrorBox text={t('recover.unknownUser')} />
        ) : (
          <ErrorBox error={failure} />
        ))}
      <form ref={formRef} onSubmit={submit} noValidate aria-busy={busy}>
        <Field
          ref={codeRef}
          className="input-code"
          label={t('recover.code')}
          hint={t('recover.codeHint')}
          value={value.code}
          onChange={(e) => set('code', e.target.value)}
          error={errors.code}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={64}
        />
        <Field
          label={t('recover.login')}
          value={value.login}
          onChange={(e) => set('login', e.target.value)}
          error={errors.login}
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          maxLength={64}
        />
        <Field
          type="password"
          label={t('recover.newPassword')}
          hint={t('recover.newPasswordHint')}
          value={value.newPassword}
          onChange={(e) => set('newPassword', e.target.value)}
          error={errors.newPassword}
          autoComplete="new-password"
          maxLength={1024}
        />
        <Field
          type="password"
          label={t('recover.newPasswordConfirm')}
          value={value.newPasswordConfirm}
          onChange={(e) => set('newPasswordConfirm', e.target.value)}
          error={errors.newPasswordConfirm}
          autoComplete="new-password"
          maxLength={1024}
        />
        <div className="actions">
          <button type="button" className="button" onClick={() => show({ name: 'unlock', login: value.login.trim() || undefined })} disabled={busy}>
            {t('recover.cancel')}
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? t('recover.submitting') : t('recover.submit')}
          </button>
        </div>
      </form>
    </Shell>
  );
}
