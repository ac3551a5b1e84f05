// The manager's registers for an inspection: one register for a period in XLSX, CSV or PDF; the
// marketing list of today; the inspection pack in one action (and checking a pack later). Each
// runs as a long operation with progress and Cancel, and ends with the file, its size and hash,
// and a button that opens its folder.
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../api/client.ts';
import { useClient } from '../../api/context.ts';
import { DateField } from '../../components/DateField.tsx';
import { isoToDisplay, todayIso } from '../../components/date-input.ts';
import { SelectField } from '../../components/Field.tsx';
import { ErrorBox } from '../../components/Messages.tsx';
import { Panel } from '../../components/Panel.tsx';
import { cancelJob, type JobState, runJob, useJob } from './jobs.ts';
import { callOp, type FileResult as FileResultValue, isUnavailable } from './lib/call.ts';
import { joinPath, suggestedName, withExtension } from './lib/paths.ts';
import { checkPeriod } from './lib/period.ts';
import { FileResult } from './ui/FileResult.tsx';
import { JobProgress } from './ui/JobProgress.tsx';
import { PathField, pathProblem, usePathChoice } from './ui/PathField.tsx';
import { ScreenTitle } from './ui/ScreenTitle.tsx';
import { Unavailable } from './ui/Unavailable.tsx';

export const registerNames = ['persons', 'consents', 'requests', 'blocks', 'acts', 'audit'] as const;
type RegisterName = (typeof registerNames)[number];
const formats = ['xlsx', 'csv', 'pdf'] as const;
type Format = (typeof formats)[number];

type PackResult = OperationResult<'pack.create'>;
type PackVerifyResult = OperationResult<'pack.verify'>;

const stems: Record<RegisterName, string> = {
  persons: 'persons',
  consents: 'consents',
  requests: 'requests',
  blocks: 'blocks',
  acts: 'destruction-acts',
  audit: 'audit-log',
};

export function ExportsScreen() {
  const { t } = useTranslation();
  return (
    <div className="office-screen" data-testid="office-exports">
      <ScreenTitle title={t('office.exports.title')} lead={t('office.exports.lead')} />
      <RegisterExport />
      <MarketingExport />
      <InspectionPack />
      <PackVerify />
    </div>
  );
}

function useFileFilter(format: Format) {
  const { t } = useTranslation();
  return [{ name: t(`office.exports.filters.${format}`), extensions: [format] }];
}

// What a finished, failed or cancelled job leaves on the screen.
function JobOutcome({ state, title, render }: { state: JobState; title: string; render?: (result: unknown) => ReactNode }) {
  const { t } = useTranslation();
  if (state.status === 'failed') return isUnavailable(state.error) ? <Unavailable /> : <ErrorBox error={state.error} />;
  if (state.status === 'cancelled')
    return (
      <div className="message message-info" role="status">
        <p className="message-title">{t('office.job.cancelled')}</p>
      </div>
    );
  if (state.status === 'done') {
    if (render) return <>{render(state.result)}</>;
    const r = state.result as FileResultValue;
    return <FileResult title={title} facts={{ path: r.path, rows: r.rows ?? r.count, bytes: r.bytes ?? r.size, sha256: r.sha256 }} />;
  }
  return null;
}

function RegisterExport() {
  const { t } = useTranslation();
  const client = useClient();
  const [register, setRegister] = useState<RegisterName>('persons');
  const [format, setFormat] = useState<Format>('xlsx');
  const [fromText, setFrom] = useState('');
  const [toText, setTo] = useState('');
  const [tried, setTried] = useState(false);
  const period = checkPeriod(fromText, toText);
  const target = usePathChoice((d) =>
    joinPath(d.exportsDir, suggestedName(stems[register], { from: period.from, to: period.to, today: todayIso(), extension: format }), d.pathSeparator),
  );
  const filters = useFileFilter(format);
  const job = useJob<FileResultValue>('export');
  const running = job.status === 'running';
  const problem = pathProblem(target);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem || period.fromError || period.toError || running) return;
    const input = { register, format, outPath: target.path.trim(), ...(period.from ? { from: period.from } : {}), ...(period.to ? { to: period.to } : {}) };
    await runJob('export', (o) => callOp<FileResultValue>(client, 'register.export', input, o));
  };

  return (
    <Panel title={t('office.exports.register.title')} testId="export-register">
      <form noValidate onSubmit={(e) => void submit(e)} aria-busy={running || undefined}>
        <div className="field-row">
          <SelectField
            label={t('office.exports.register.which')}
            value={register}
            onChange={(e) => setRegister(e.target.value as RegisterName)}
            options={registerNames.map((r) => ({ value: r, label: t(`office.exports.registers.${r}`) }))}
            hint={t(`office.exports.registerHints.${register}`)}
            wide="half"
          />
          <fieldset className="office-segmented office-formats">
            <legend>{t('office.exports.format')}</legend>
            {formats.map((f) => (
              <label key={f} className="office-segment">
                <input
                  type="radio"
                  name="export-format"
                  value={f}
                  checked={format === f}
                  onChange={() => {
                    setFormat(f);
                    if (target.touched) target.setPath(withExtension(target.path, f));
                  }}
                />
                <span>{t(`office.exports.formats.${f}`)}</span>
              </label>
            ))}
          </fieldset>
        </div>
        <div className="field-row">
          <DateField
            label={t('office.period.from')}
            value={fromText}
            onChange={setFrom}
            optional
            error={tried && period.fromError ? t(period.fromError) : undefined}
          />
          <DateField label={t('office.period.to')} value={toText} onChange={setTo} optional error={tried && period.toError ? t(period.toError) : undefined} />
        </div>
        <PathField label={t('office.exports.saveTo')} kind="save" choice={target} filters={filters} error={tried && problem ? t(problem) : null} />
        <div className="actions actions-start">
          <button type="submit" className="button button-primary" disabled={running}>
            {t('office.exports.register.submit')}
          </button>
        </div>
      </form>
      <JobProgress state={job} label={t('office.exports.register.running')} onCancel={() => cancelJob('export')} />
      <JobOutcome state={job} title={t('office.exports.register.done')} />
    </Panel>
  );
}

function MarketingExport() {
  const { t } = useTranslation();
  const client = useClient();
  const [format, setFormat] = useState<'xlsx' | 'csv'>('xlsx');
  const [tried, setTried] = useState(false);
  const target = usePathChoice((d) => joinPath(d.exportsDir, suggestedName('marketing-list', { today: todayIso(), extension: format }), d.pathSeparator));
  const filters = useFileFilter(format);
  const job = useJob<FileResultValue>('marketing');
  const running = job.status === 'running';
  const problem = pathProblem(target);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem || running) return;
    await runJob('marketing', (o) => callOp<FileResultValue>(client, 'marketing.export', { format, outPath: target.path.trim() }, o));
  };
  return (
    <Panel title={t('office.exports.marketing.title')} testId="export-marketing">
      <p className="office-note">{t('office.exports.marketing.lead')}</p>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <fieldset className="office-segmented office-formats">
          <legend>{t('office.exports.format')}</legend>
          {(['xlsx', 'csv'] as const).map((f) => (
            <label key={f} className="office-segment">
              <input
                type="radio"
                name="marketing-format"
                value={f}
                checked={format === f}
                onChange={() => {
                  setFormat(f);
                  if (target.touched) target.setPath(withExtension(target.path, f));
                }}
              />
              <span>{t(`office.exports.formats.${f}`)}</span>
            </label>
          ))}
        </fieldset>
        <PathField label={t('office.exports.saveTo')} kind="save" choice={target} filters={filters} error={tried && problem ? t(problem) : null} />
        <div className="actions actions-start">
          <button type="submit" className="button button-primary" disabled={running}>
            {t('office.exports.marketing.submit')}
          </button>
        </div>
      </form>
      <JobProgress state={job} label={t('office.exports.marketing.running')} onCancel={() => cancelJob('marketing')} />
      <JobOutcome state={job} title={t('office.exports.marketing.done')} />
    </Panel>
  );
}

function InspectionPack() {
  const { t } = useTranslation();
  const client = useClient();
  const today = todayIso();
  const [fromText, setFrom] = useState(isoToDisplay(`${today.slice(0, 4)}-01-01`));
  const [toText, setTo] = useState(isoToDisplay(today));
  const [zip, setZip] = useState(false);
  const [tried, setTried] = useState(false);
  const period = checkPeriod(fromText, toText, true);
  const target = usePathChoice((d) => d.exportsDir);
  const job = useJob<PackResult>('pack');
  const running = job.status === 'running';
  const problem = pathProblem(target);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem || period.fromError || period.toError || !period.from || !period.to || running) return;
    const input = { outDir: target.path.trim(), from: period.from, to: period.to, zip };
    await runJob('pack', (o) => client.call('pack.create', input, o));
  };
  return (
    <Panel title={t('office.exports.pack.title')} testId="export-pack">
      <p className="office-note">{t('office.exports.pack.lead')}</p>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <div className="field-row">
          <DateField label={t('office.period.from')} value={fromText} onChange={setFrom} error={tried && period.fromError ? t(period.fromError) : undefined} />
          <DateField label={t('office.period.to')} value={toText} onChange={setTo} error={tried && period.toError ? t(period.toError) : undefined} />
        </div>
        <PathField
          label={t('office.exports.pack.folder')}
          kind="folder"
          choice={target}
          hint={t('office.exports.pack.folderHint')}
          error={tried && problem ? t(problem) : null}
        />
        <label className="check">
          <input type="checkbox" checked={zip} onChange={(e) => setZip(e.target.checked)} />
          {t('office.exports.pack.zip')}
        </label>
        <div className="actions actions-start">
          <button type="submit" className="button button-primary" disabled={running}>
            {t('office.exports.pack.submit')}
          </button>
        </div>
      </form>
      <JobProgress state={job} label={t('office.exports.pack.running')} onCancel={() => cancelJob('pack')} />
      <JobOutcome
        state={job}
        title={t('office.exports.pack.done')}
        render={(value) => {
          const r = value as PackResult;
          return (
            <>
              <FileResult
                title={t('office.exports.pack.done')}
                facts={{
                  path: r.path,
                  files: r.files,
                  bytes: r.bytes,
                  sha256: r.zipSha256 ?? r.manifestSha256,
                  pathLabel: r.zip ? undefined : t('office.result.folder'),
                  hashLabel: r.zip ? t('office.result.zipSha256') : t('office.result.manifestSha256'),
                }}
              />
              {!r.auditChain.ok && (
                <div className="message message-error" role="alert">
                  <p className="message-title">{t('office.audit.verify.bad', { id: r.auditChain.firstBadId ?? 0 })}</p>
                  {r.auditChain.message && <p className="message-detail">{r.auditChain.message}</p>}
                </div>
              )}
            </>
          );
        }}
      />
    </Panel>
  );
}

function PackVerify() {
  const { t } = useTranslation();
  const client = useClient();
  const [tried, setTried] = useState(false);
  const target = usePathChoice((d) => d.exportsDir);
  const job = useJob<PackVerifyResult>('packVerify');
  const running = job.status === 'running';
  const problem = pathProblem(target);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem || running) return;
    await runJob('packVerify', (o) => client.call('pack.verify', { path: target.path.trim() }, o));
  };
  return (
    <Panel title={t('office.exports.verify.title')} testId="export-verify">
      <p className="office-note">{t('office.exports.verify.lead')}</p>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <PathField
          label={t('office.exports.verify.path')}
          kind="folder"
          choice={target}
          hint={t('office.exports.verify.pathHint')}
          error={tried && problem ? t(problem) : null}
        />
        <div className="actions actions-start">
          <button type="submit" className="button button-primary" disabled={running}>
            {t('office.exports.verify.submit')}
          </button>
        </div>
      </form>
      <JobProgress state={job} label={t('office.exports.verify.running')} onCancel={() => cancelJob('packVerify')} />
      <JobOutcome
        state={job}
        title=""
        render={(value) => {
          const r = value as PackVerifyResult;
          if (r.ok)
            return (
              <div className="message message-success" role="status" data-testid="pack-verify-result">
                <p className="message-title">{t('office.exports.verify.ok')}</p>
                <p className="message-detail">{t('office.exports.verify.okDetail', { n: r.listed })}</p>
              </div>
            );
          return (
            <div className="message message-error" role="alert">
              <p className="message-title">{t('office.exports.verify.bad', { n: r.problems.length })}</p>
              <ul className="office-problems">
                {r.problems.map((p) => (
                  <li key={`${p.file}:${p.problem}`}>
                    <span className="office-mono">{p.file}</span> — {t(`office.exports.verify.problems.${p.problem}`)}
                  </li>
                ))}
              </ul>
              <p className="message-detail">{r.summary}</p>
            </div>
          );
        }}
      />
    </Panel>
  );
}
