import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../api/context.ts';
import { errorCode } from '../api/errors.ts';
import { Field } from '../components/Field.tsx';
import { useFocusOnMount, useValidatedSubmit } from '../components/focus.ts';
import { ErrorBox, Notice } from '../components/Messages.tsx';
import { Shell } from '../components/Shell.tsx';
import { type UnlockNotice, useSession } from '../state/session.ts';

const noticeKeys = { locked: 'unlock.lockedNotice', created: 'unlock.createdNotice', recovered: 'unlock.recoveredNotice' } as const;

export function Unlock({ notice, login: initialLogin = '' }: { notice?: UnlockNotice; login?: string }) {
  const { t } = useTranslation();
  const client = useClient();
  const { signedIn, show } = useSession();
  const [login, setLogin] = useState(initialLogin);
  const [password, setPassword] = useState('');
  const loginRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  useFocusOnMount(initialLogin ? passwordRef : loginRef);
  const { errors, clearError, busy, failure, formRef, submit } = useValidatedSubmit<'login' | 'password'>({
    validate: () => ({
      login: login.trim() === '' ? 'validation.required' : undefined,
      password: password === '' ? 'validation.required' : undefined,
    }),
    run: async () => signedIn(await client.unlock(login.trim(), password)),
    onFailure: () => {
      setPassword('');
      passwordRef.current?.focus();
    },
  });

  const wrongPassword = failure !== null && errorCode(failure) === 'auth_failed';
  return (
    <Shell>
      <h1>{t('unlock.title')}</h1>
      {notice && failure === null ? <Notice>{t(noticeKeys[notice])}</Notice> : <p className="lead">{t('unlock.intro')}</p>}
      {failure !== null && (wrongPassword ? <ErrorBox text={t('unlock.wrongPassword')} /> : <ErrorBox error={failure} />)}
      <form ref={formRef} onSubmit={submit} noValidate aria-busy={busy}>
        <Field
          ref={loginRef}
          label={t('unlock.login')}
          value={login}
          onChange={(e) => {
            setLogin(e.target.value);
            clearError('login');
          }}
          error={errors.login}
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          maxLength={64}
        />
        <Field
          ref={passwordRef}
          type="password"
          label={t('unlock.password')}
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
            clearError('password');
          }}
          error={errors.password}
          autoComplete="current-password"
          maxLength={1024}
        />
        <div className="actions">
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? t('unlock.submitting') : t('unlock.submit')}
          </button>
        </div>
      </form>
      <p className="secondary-action">
        <button type="button" className="link-button" onClick={() => show({ name: 'recover', login: login.trim() || undefined })}>
          {t('unlock.forgot')}
        </button>
      </p>
    </Shell>
  );
}
