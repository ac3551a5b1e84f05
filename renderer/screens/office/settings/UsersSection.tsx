// Users and roles. Adding a user makes their key slot; disabling removes it (they cannot unlock
// any more); a manager or administrator resets anyone's password. The register refuses to disable
// the last manager or administrator, and anyone to disable themselves.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { Chip } from '../../../components/Chip.tsx';
import { Dialog, DialogButtons } from '../../../components/Dialog.tsx';
import { Field, SelectField } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { type Column, Table } from '../../../components/Table.tsx';
import { type FieldErrors, hasErrors, validateAdmin } from '../../../forms/validate.ts';
import { languages } from '../../../i18n/index.ts';
import { useSession } from '../../../state/session.ts';
import { toast } from '../../../state/toast.ts';
import { LoadedView } from '../ui/Loading.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type User = OperationResult<'user.list'>[number];
const roles = ['receptionist', 'manager', 'administrator'] as const;

export function UsersSection() {
  const { t } = useTranslation();
  const client = useClient();
  const me = useSession((s) => s.actor);
  const { state, reload } = useLoader(() => client.call('user.list', {}), [client]);
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'passwd' | 'disable'; user: User } | null>(null);
  const done = () => {
    setDialog(null);
    void reload();
  };
  const columns: Column<User>[] = [
    {
      id: 'name',
      header: t('office.settings.users.col.name'),
      rowHeader: true,
      cell: (u) => (
        <>
          <span className="office-strong">{u.fullName}</span>
          {u.position && <span className="office-sub">{u.position}</span>}
        </>
      ),
    },
    { id: 'login', header: t('office.settings.users.col.login'), cell: (u) => <span className="office-mono">{u.login}</span> },
    { id: 'role', header: t('office.settings.users.col.role'), cell: (u) => t(`roles.${u.role}`) },
    { id: 'language', header: t('office.settings.users.col.language'), cell: (u) => t(`languages.${u.language}`) },
    {
      id: 'status',
      header: t('office.settings.users.col.status'),
      cell: (u) =>
        u.disabled ? <Chip tone="neutral">{t('office.settings.users.disabled')}</Chip> : <Chip tone="ok">{t('office.settings.users.active')}</Chip>,
    },
    {
      id: 'actions',
      header: t('office.common.actions'),
      kind: 'actions',
      cell: (u) =>
        u.disabled ? null : (
          <div className="office-row-actions">
            <button type="button" className="button button-small" onClick={() => setDialog({ kind: 'passwd', user: u })}>
              {t('office.settings.users.passwd')}
              <span className="visually-hidden"> {u.login}</span>
            </button>
            {u.id !== me?.id && (
              <button type="button" className="button button-small" onClick={() => setDialog({ kind: 'disable', user: u })}>
                {t('office.settings.users.disable')}
                <span className="visually-hidden"> {u.login}</span>
              </button>
            )}
          </div>
        ),
    },
  ];
  return (
    <Section
      title={t('office.settings.users.title')}
      lead={t('office.settings.users.lead')}
      testId="settings-users"
      actions={
        <button type="button" className="button" onClick={() => setDialog({ kind: 'add' })}>
          {t('office.settings.users.add')}
        </button>
      }
    >
      <LoadedView state={state}>
        {(users) => (
          <Table
            caption={t('office.settings.users.caption')}
            captionHidden
            columns={columns}
            rows={users}
            rowKey={(u) => u.id}
            rowClassName={(u) => (u.disabled ? 'office-row-muted' : undefined)}
          />
        )}
      </LoadedView>
      {dialog?.kind === 'add' && <AddUserDialog onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'passwd' && <PasswordDialog user={dialog.user} self={dialog.user.id === me?.id} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'disable' && <DisableDialog user={dialog.user} onClose={() => setDialog(null)} onDone={done} />}
    </Section>
  );
}

function AddUserDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [form, setForm] = useState({ login: '', fullName: '', position: '', password: '', passwordConfirm: '' });
  const [role, setRole] = useState<(typeof roles)[number]>('receptionist');
  const [language, setLanguage] = useState<(typeof languages)[number]>('ru');
  const [errors, setErrors] = useState<FieldErrors<keyof typeof form>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async () => {
    const found = validateAdmin(form);
    setErrors(found);
    if (hasErrors(found)) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('dialog [aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.call('user.add', {
        login: form.login.trim(),
        fullName: form.fullName.trim(),
        position: form.position.trim(),
        role,
        password: form.password,
        language,
      });
      toast.success(t('office.settings.users.added', { login: form.login.trim() }));
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('office.settings.users.addTitle')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      size="wide"
      footer={<DialogButtons submitLabel={t('office.settings.users.addSubmit')} busyLabel={t('office.settings.users.adding')} onCancel={onClose} busy={busy} />}
    >
      <div className="field-row">
        <Field
          label={t('office.settings.users.login')}
          value={form.login}
          onChange={set('login')}
          error={errors.login}
          autoComplete="off"
          spellCheck={false}
          wide="half"
        />
        <SelectField
          label={t('office.settings.users.col.role')}
          value={role}
          onChange={(e) => setRole(e.target.value as (typeof roles)[number])}
          options={roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
          hint={t(`office.settings.users.roleHints.${role}`)}
          wide="half"
        />
      </div>
      <Field label={t('office.settings.users.fullName')} value={form.fullName} onChange={set('fullName')} error={errors.fullName} maxLength={300} />
      <div className="field-row">
        <Field label={t('office.settings.users.position')} value={form.position} onChange={set('position')} optional maxLength={200} wide="half" />
        <SelectField
          label={t('office.settings.users.col.language')}
          value={language}
          onChange={(e) => setLanguage(e.target.value as (typeof languages)[number])}
          options={languages.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
          wide="half"
        />
      </div>
      <div className="field-row">
        <Field
          label={t('office.settings.users.password')}
          type="password"
          value={form.password}
          onChange={set('password')}
          error={errors.password}
          autoComplete="new-password"
          wide="half"
        />
        <Field
          label={t('office.settings.users.passwordConfirm')}
          type="password"
          value={form.passwordConfirm}
          onChange={set('passwordConfirm')}
          error={errors.passwordConfirm}
          autoComplete="new-password"
          wide="half"
        />
      </div>
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}

function PasswordDialog({ user, self, onClose, onDone }: { user: User; self: boolean; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [oldPassword, setOld] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    const found: Record<string, string> = {};
    if (self && !oldPassword) found.old = t('validation.required');
    if (password.length < 8) found.password = t('validation.passwordLength');
    else if (confirm !== password) found.confirm = t('validation.passwordMismatch');
    setErrors(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('dialog [aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.call('user.passwd', self ? { oldPassword, newPassword: password } : { login: user.login, newPassword: password });
      toast.success(t('office.settings.users.passwordSet', { login: user.login }));
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('office.settings.users.passwdTitle', { login: user.login })}
      description={self ? undefined : t('office.settings.users.passwdLead')}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      footer={
        <DialogButtons submitLabel={t('office.settings.users.passwdSubmit')} busyLabel={t('office.settings.users.adding')} onCancel={onClose} busy={busy} />
      }
    >
      {self && (
        <Field
          label={t('office.settings.users.oldPassword')}
          type="password"
          value={oldPassword}
          onChange={(e) => setOld(e.target.value)}
          error={errors.old}
          autoComplete="current-password"
        />
      )}
      <Field
        label={t('office.settings.users.newPassword')}
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={errors.password}
        autoComplete="new-password"
      />
      <Field
        label={t('office.settings.users.passwordConfirm')}
        type="password"
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        error={errors.confirm}
        autoComplete="new-password"
      />
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}

function DisableDialog({ user, onClose, onDone }: { user: User; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await client.call('user.disable', { login: user.login });
      toast.success(t('office.settings.users.disabledDone', { login: user.login }));
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('office.settings.users.disableTitle', { login: user.login })}
      tone="danger"
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      footer={<DialogButtons submitLabel={t('office.settings.users.disableSubmit')} onCancel={onClose} busy={busy} danger />}
    >
      <p>{t('office.settings.users.disableLead', { name: user.fullName })}</p>
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}
