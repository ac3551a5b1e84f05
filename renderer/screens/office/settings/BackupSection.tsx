// Encrypted backups (same key) with a copy of the keyring: made on a schedule into the backup
// folder (by default backups/ beside the register) and rotated there, or now by hand. Restoring
// replaces the register file, so it is done with the program closed, from the command line, where
// the backup is checked before anything is touched.
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { Dialog, DialogButtons } from '../../../components/Dialog.tsx';
import { todayIso } from '../../../components/date-input.ts';
import { Field } from '../../../components/Field.tsx';
import { ErrorBox } from '../../../components/Messages.tsx';
import { Table } from '../../../components/Table.tsx';
import { formatDate } from '../../../format/date.ts';
import { toast } from '../../../state/toast.ts';
import { cancelJob, runJob, useJob } from '../jobs.ts';
import { formatTime } from '../lib/audit.ts';
import { formatBytes, joinPath } from '../lib/paths.ts';
import { FileResult } from '../ui/FileResult.tsx';
import { JobProgress } from '../ui/JobProgress.tsx';
import { LoadedView } from '../ui/Loading.tsx';
import { PathField, pathProblem, usePathChoice } from '../ui/PathField.tsx';
import { useLoader } from '../ui/useLoader.ts';
import { Section } from './Section.tsx';

type BackupResult = OperationResult<'backup.create'>;
type BackupList = OperationResult<'backup.list'>;
type BackupFile = BackupList['files'][number];

// The register's own limits (db/settings.ts): checked here too so the field says what is wrong.
const maxIntervalHours = 24 * 31;
const maxKeep = 1000;

export function BackupSection() {
  const { t } = useTranslation();
  const client = useClient();
  const { state, reload } = useLoader(() => client.call('backup.list', {}), [client]);
  const job = useJob<BackupResult>('backup');
  // A copy just made belongs in the list below.
  useEffect(() => {
    if (job.status === 'done') void reload();
  }, [job.status, reload]);
  return (
    <Section title={t('office.settings.backup.title')} lead={t('office.settings.backup.lead')} testId="settings-backup">
      <LoadedView state={state}>
        {(list) => (
          <>
            <LastBackup list={list} />
            <CreateNow />
            <ScheduleForm key={`${list.settings.intervalHours}/${list.settings.keep}`} list={list} onSaved={() => void reload()} />
            <BackupTable files={list.files} />
          </>
        )}
      </LoadedView>
      <h3 className="office-h3">{t('office.settings.backup.restoreTitle')}</h3>
      <p>{t('office.settings.backup.restoreLead')}</p>
      <pre className="office-code">
        <code>{t('office.settings.backup.restoreCommand')}</code>
      </pre>
      <p className="office-note">{t('office.settings.backup.restoreNote')}</p>
    </Section>
  );
}

function LastBackup({ list }: { list: BackupList }) {
  const { t } = useTranslation();
  const newest = list.files[0];
  return (
    <dl className="office-facts" data-testid="backup-last">
      <div>
        <dt>{t('office.settings.backup.last')}</dt>
        <dd>{newest ? `${formatTime(newest.createdAt, formatDate)} — ${newest.name}` : t('office.settings.backup.none')}</dd>
      </div>
      <div>
        <dt>{t('office.settings.backup.folder')}</dt>
        <dd className="office-mono">{list.folder}</dd>
      </div>
      <div>
        <dt>{t('office.settings.backup.schedule')}</dt>
        <dd>
          {list.settings.intervalHours === 0
            ? t('office.settings.backup.scheduleOff')
            : t('office.settings.backup.scheduleOn', { hours: list.settings.intervalHours, keep: list.settings.keep })}
        </dd>
      </div>
    </dl>
  );
}

function CreateNow() {
  const { t } = useTranslation();
  const client = useClient();
  const [elsewhere, setElsewhere] = useState(false);
  const [tried, setTried] = useState(false);
  const target = usePathChoice((d) => joinPath(d.exportsDir, `register-backup_${todayIso()}.pdesk`, d.pathSeparator));
  const job = useJob<BackupResult>('backup');
  const running = job.status === 'running';
  const problem = elsewhere ? pathProblem(target) : null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem || running) return;
    await runJob('backup', (o) => client.call('backup.create', elsewhere ? { path: target.path.trim() } : {}, o));
  };
  return (
    <>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <label className="check">
          <input type="checkbox" checked={elsewhere} onChange={(e) => setElsewhere(e.target.checked)} />
          {t('office.settings.backup.elsewhere')}
        </label>
        {elsewhere && (
          <PathField
            label={t('office.settings.backup.path')}
            kind="save"
            choice={target}
            filters={[{ name: t('office.settings.backup.filter'), extensions: ['pdesk'] }]}
            error={tried && problem ? t(problem) : null}
          />
        )}
        {elsewhere && <p className="field-hint">{t('office.settings.backup.elsewhereHint')}</p>}
        <div className="actions actions-start">
          <button type="submit" className="button button-primary" disabled={running} data-testid="backup-now">
            {t('office.settings.backup.submit')}
          </button>
        </div>
      </form>
      <JobProgress state={job} label={t('office.settings.backup.running')} onCancel={() => cancelJob('backup')} />
      {job.status === 'failed' && <ErrorBox error={job.error} />}
      {job.status === 'cancelled' && (
        <div className="message message-info" role="status">
          <p className="message-title">{t('office.job.cancelled')}</p>
        </div>
      )}
      {job.status === 'done' && (
        <FileResult
          title={t('office.settings.backup.done')}
          facts={{ path: job.result.path, bytes: job.result.size, sha256: job.result.sha256 }}
          plaintext={false}
        />
      )}
    </>
  );
}

interface ScheduleErrors {
  interval?: string;
  keep?: string;
}

function ScheduleForm({ list, onSaved }: { list: BackupList; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [interval, setIntervalText] = useState(String(list.settings.intervalHours));
  const [keep, setKeep] = useState(String(list.settings.keep));
  const [errors, setErrors] = useState<ScheduleErrors>({});
  const [confirming, setConfirming] = useState<{ intervalHours: number; keep: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const check = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const found: ScheduleErrors = {};
    const hours = Number(interval.trim());
    const count = Number(keep.trim());
    if (!/^\d+$/.test(interval.trim()) || hours > maxIntervalHours) found.interval = t('office.settings.backup.intervalRange', { max: maxIntervalHours });
    if (!/^\d+$/.test(keep.trim()) || count < 1 || count > maxKeep) found.keep = t('office.settings.backup.keepRange', { max: maxKeep });
    setErrors(found);
    if (Object.keys(found).length) {
      const form = e.currentTarget;
      requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setError(null);
    setConfirming({ intervalHours: hours, keep: count });
  };
  const save = async () => {
    if (!confirming) return;
    setBusy(true);
    try {
      await client.call('backup.setSettings', confirming);
      toast.success(t('office.settings.saved'));
      setConfirming(null);
      onSaved();
    } catch (err) {
      setError(err);
      setConfirming(null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3 className="office-h3">{t('office.settings.backup.scheduleTitle')}</h3>
      <form noValidate onSubmit={check} data-testid="backup-schedule">
        <div className="field-row">
          <Field
            label={t('office.settings.backup.interval')}
            hint={t('office.settings.backup.intervalHint')}
            value={interval}
            onChange={(e) => setIntervalText(e.target.value)}
            error={errors.interval}
            inputMode="numeric"
            wide="half"
          />
          <Field
            label={t('office.settings.backup.keep')}
            hint={t('office.settings.backup.keepHint')}
            value={keep}
            onChange={(e) => setKeep(e.target.value)}
            error={errors.keep}
            inputMode="numeric"
            wide="half"
          />
        </div>
        {error !== null && <ErrorBox error={error} />}
        <div className="actions actions-start">
          <button type="submit" className="button" disabled={busy}>
            {t('office.common.save')}
          </button>
        </div>
      </form>
      {confirming && (
        <Dialog
          title={t('office.settings.backup.confirmTitle')}
          onClose={() => setConfirming(null)}
          onSubmit={() => void save()}
          busy={busy}
          footer={<DialogButtons submitLabel={t('office.common.save')} onCancel={() => setConfirming(null)} busy={busy} />}
          testId="backup-confirm"
        >
          <p>
            {confirming.intervalHours === 0
              ? t('office.settings.backup.confirmOff')
              : t('office.settings.backup.confirmOn', { hours: confirming.intervalHours, keep: confirming.keep })}
          </p>
          {confirming.keep < list.files.filter((f) => f.automatic).length && (
            <p className="office-note">{t('office.settings.backup.confirmRotate', { keep: confirming.keep })}</p>
          )}
        </Dialog>
      )}
    </>
  );
}

function BackupTable({ files }: { files: readonly BackupFile[] }) {
  const { t, i18n } = useTranslation();
  const units = [t('office.units.b'), t('office.units.kb'), t('office.units.mb'), t('office.units.gb')] as const;
  const lng = i18n.resolvedLanguage ?? 'ru';
  return (
    <Table
      caption={t('office.settings.backup.listTitle')}
      rows={files}
      rowKey={(f) => f.name}
      testId="backup-list"
      empty={t('office.settings.backup.listEmpty')}
      columns={[
        { id: 'time', header: t('office.settings.backup.colTime'), cell: (f) => formatTime(f.createdAt, formatDate), kind: 'nowrap' },
        { id: 'name', header: t('office.settings.backup.colName'), cell: (f) => <span className="office-mono">{f.name}</span>, rowHeader: true },
        { id: 'size', header: t('office.settings.backup.colSize'), cell: (f) => formatBytes(f.size, units, lng), kind: 'num' },
        {
          id: 'kind',
          header: t('office.settings.backup.colKind'),
          cell: (f) => (f.automatic ? t('office.settings.backup.automatic') : t('office.settings.backup.manual')),
        },
      ]}
    />
  );
}
