// An encrypted backup (same key) with a copy of the keyring, by default into backups/ beside the
// register. Restoring replaces the register file, so it is done with the program closed, from the
// command line, where the backup is checked before anything is touched.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { todayIso } from '../../../components/date-input.ts';
import { ErrorBox } from '../../../components/Messages.tsx';
import { cancelJob, runJob, useJob } from '../jobs.ts';
import { joinPath } from '../lib/paths.ts';
import { FileResult } from '../ui/FileResult.tsx';
import { JobProgress } from '../ui/JobProgress.tsx';
import { PathField, pathProblem, usePathChoice } from '../ui/PathField.tsx';
import { Section } from './Section.tsx';

type BackupResult = OperationResult<'backup.create'>;

export function BackupSection() {
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
    <Section title={t('office.settings.backup.title')} lead={t('office.settings.backup.lead')} testId="settings-backup">
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
        <div className="actions actions-start">
          <button type="submit" className="button button-primary" disabled={running}>
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
      <h3 className="office-h3">{t('office.settings.backup.restoreTitle')}</h3>
      <p>{t('office.settings.backup.restoreLead')}</p>
      <pre className="office-code">
        <code>{t('office.settings.backup.restoreCommand')}</code>
      </pre>
      <p className="office-note">{t('office.settings.backup.restoreNote')}</p>
    </Section>
  );
}
