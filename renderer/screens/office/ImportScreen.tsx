// Import of website and spreadsheet leads (CSV or XLSX). The page reads the chosen file itself and
// sends its bytes; the register previews it (mapping, counts, every bad row with its line number,
// duplicates) and writes nothing until the user confirms. Confirming sends the same bytes with the
// previewed mapping and SHA-256: all valid rows go in one transaction, or none.
import { type ChangeEvent, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../api/client.ts';
import { useClient } from '../../api/context.ts';
import { Chip } from '../../components/Chip.tsx';
import { SelectField } from '../../components/Field.tsx';
import { ErrorBox } from '../../components/Messages.tsx';
import { Panel } from '../../components/Panel.tsx';
import { type Column, Table } from '../../components/Table.tsx';
import { formatPhone } from '../../format/phone.ts';
import { toast } from '../../state/toast.ts';
import { cancelJob, resetJob, runJob, useJob } from './jobs.ts';
import { isUnavailable } from './lib/call.ts';
import {
  columnLabel,
  conflictingFields,
  type ImportField,
  importFields,
  type Mapping,
  mappingProblems,
  sameMapping,
  setField,
  toMappingInput,
} from './lib/mapping.ts';
import { JobProgress } from './ui/JobProgress.tsx';
import { ScreenTitle } from './ui/ScreenTitle.tsx';
import { Unavailable } from './ui/Unavailable.tsx';

type Preview = OperationResult<'import.preview'>;
type Commit = OperationResult<'import.commit'>;
type Problem = Preview['errors'][number];
type Source = 'import' | 'website_form' | 'callback' | 'appointment' | 'phone_call' | 'walk_in' | 'other';
const sources: Source[] = ['import', 'website_form', 'callback', 'appointment', 'phone_call', 'walk_in', 'other'];

// db/import.ts reads up to 30 MB.
const maxBytes = 30 * 1024 * 1024;

interface Chosen {
  name: string;
  size: number;
  base64: string;
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result ?? '');
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function ImportScreen() {
  const { t } = useTranslation();
  const client = useClient();
  const [file, setFile] = useState<Chosen | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [source, setSource] = useState<Source>('import');
  const [mapping, setMapping] = useState<Mapping | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const fileHint = useId();
  const fileLabel = useId();
  const fileName = useId();
  const preview = useJob<Preview>('importPreview');
  const commit = useJob<Commit>('importCommit');
  const previewing = preview.status === 'running';
  const committing = commit.status === 'running';
  const previewed = preview.status === 'done' ? preview.result : null;

  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    setFileError(null);
    setMapping(null);
    resetJob('importPreview');
    resetJob('importCommit');
    if (!f) {
      setFile(null);
      return;
    }
    if (f.size > maxBytes) {
      setFile(null);
      setFileError(t('office.import.tooBig'));
      return;
    }
    try {
      const base64 = await readBase64(f);
      setFile({ name: f.name, size: f.size, base64 });
      await runPreview({ name: f.name, size: f.size, base64 }, undefined);
    } catch {
      setFile(null);
      setFileError(t('office.import.cannotRead'));
    }
  };

  const runPreview = async (f: Chosen, m: Mapping | undefined) => {
    resetJob('importCommit');
    const result = await runJob('importPreview', (o) =>
      client.call('import.preview', { fileName: f.name, contentBase64: f.base64, source, ...(m ? { mapping: toMappingInput(m) } : {}) }, o),
    );
    if (result) setMapping(result.mapping);
  };

  const confirm = async () => {
    if (!file || !previewed) return;
    const result = await runJob('importCommit', (o) =>
      client.call(
        'import.commit',
        { fileName: file.name, contentBase64: file.base64, mapping: toMappingInput(previewed.mapping), sha256: previewed.sha256, source },
        o,
      ),
    );
    if (result) toast.success(t('office.import.committed', { n: result.inserted }));
  };

  const edited = previewed && mapping ? !sameMapping(previewed.mapping, mapping) : false;
  const done = commit.status === 'done';

  return (
    <div className="office-screen" data-testid="office-import">
      <ScreenTitle title={t('office.import.title')} lead={t('office.import.lead')} />
      <Panel title={t('office.import.fileTitle')}>
        <div className="field-row">
          <div className="field field-half">
            <label id={fileLabel} htmlFor="import-file">
              {t('office.import.file')}
            </label>
            <p id={fileHint} className="field-hint">
              {t('office.import.fileHint')}
            </p>
            <div className="office-file">
              <input
                ref={inputRef}
                id="import-file"
                type="file"
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                aria-labelledby={fileLabel}
                aria-describedby={`${fileName} ${fileHint}`}
                onChange={(e) => void choose(e)}
                disabled={previewing || committing}
                className="office-file-native"
              />
              {/* The browser's own button speaks the browser's language; this one speaks the user's. */}
              <label htmlFor="import-file" className="button office-file-button" aria-hidden="true">
                {t('office.import.chooseFile')}
              </label>
              <span id={fileName} className="office-file-name">
                {file ? file.name : t('office.import.noFile')}
              </span>
            </div>
            {fileError && <p className="field-error">{fileError}</p>}
          </div>
          <SelectField
            label={t('office.import.source')}
            hint={t('office.import.sourceHint')}
            value={source}
            onChange={(e) => setSource(e.target.value as Source)}
            options={sources.map((s) => ({ value: s, label: t(`office.import.sources.${s}`) }))}
            wide="half"
            disabled={previewing || committing}
          />
        </div>
        {file && !previewing && !previewed && preview.status !== 'failed' && (
          <div className="actions actions-start">
            <button type="button" className="button button-primary" onClick={() => void runPreview(file, undefined)}>
              {t('office.import.preview')}
            </button>
          </div>
        )}
        <JobProgress state={preview} label={t('office.import.previewing')} onCancel={() => cancelJob('importPreview')} />
        {preview.status === 'failed' && (isUnavailable(preview.error) ? <Unavailable /> : <ErrorBox error={preview.error} />)}
        {preview.status === 'cancelled' && (
          <div className="message message-info" role="status">
            <p className="message-title">{t('office.job.cancelledRead')}</p>
          </div>
        )}
      </Panel>
      {previewed && file && mapping && (
        <>
          <PreviewSummary preview={previewed} fileName={file.name} written={done} />
          <MappingEditor
            columns={previewed.columns}
            mapping={mapping}
            serverProblems={edited ? [] : previewed.mappingProblems}
            onChange={setMapping}
            disabled={committing || done}
          />
          {!done && (
            <div className="office-confirm" data-testid="import-confirm">
              {edited ? (
                <>
                  <p className="warning">{t('office.import.mappingEdited')}</p>
                  <div className="actions actions-start">
                    <button
                      type="button"
                      className="button button-primary"
                      onClick={() => void runPreview(file, mapping)}
                      disabled={previewing || mappingProblems(mapping, previewed.columns).length > 0}
                    >
                      {t('office.import.refresh')}
                    </button>
                  </div>
                </>
              ) : (
                <>
                  <p>
                    {previewed.valid > 0
                      ? t('office.import.confirmLead', { n: previewed.valid, skipped: previewed.invalid + previewed.duplicates })
                      : t('office.import.nothing')}
                  </p>
                  <div className="actions actions-start">
                    <button
                      type="button"
                      className="button button-primary"
                      onClick={() => void confirm()}
                      disabled={committing || previewed.valid === 0 || previewed.mappingProblems.length > 0}
                    >
                      {t('office.import.confirm', { n: previewed.valid })}
                    </button>
                  </div>
                </>
              )}
            </div>
          )}
          <JobProgress state={commit} label={t('office.import.committing')} onCancel={() => cancelJob('importCommit')} />
          {commit.status === 'failed' && (isUnavailable(commit.error) ? <Unavailable /> : <ErrorBox error={commit.error} />)}
          {commit.status === 'cancelled' && (
            <div className="message message-info" role="status">
              <p className="message-title">{t('office.import.cancelled')}</p>
            </div>
          )}
          {commit.status === 'done' && <CommitResult result={commit.result} />}
          {!done && <SampleTable preview={previewed} />}
          {!done && <ProblemList problems={previewed.errors} omitted={previewed.errorsOmitted} title={t('office.import.problemsTitle')} />}
        </>
      )}
    </div>
  );
}

function PreviewSummary({ preview, fileName, written }: { preview: Preview; fileName: string; written: boolean }) {
  const { t, i18n } = useTranslation();
  const n = new Intl.NumberFormat(i18n.resolvedLanguage ?? 'ru');
  const items: Array<[string, number, 'ok' | 'danger' | 'warn' | 'neutral']> = [
    [t('office.import.total'), preview.total, 'neutral'],
    [t('office.import.valid'), preview.valid, 'ok'],
    [t('office.import.invalid'), preview.invalid, 'danger'],
    [t('office.import.duplicates'), preview.duplicates, 'warn'],
  ];
  return (
    <Panel title={t('office.import.previewTitle')} testId="import-preview">
      <p className="office-sub">
        {t('office.import.fileFacts', {
          name: fileName,
          format: preview.format.toUpperCase(),
          encoding: preview.encoding,
          line: preview.headerLine,
        })}
      </p>
      <ul className="office-counts">
        {items.map(([label, value, tone]) => (
          <li key={label} className={`office-count office-count-${tone}`}>
            <span className="office-count-value">{n.format(value)}</span>
            <span className="office-count-label">{label}</span>
          </li>
        ))}
      </ul>
      {(preview.consents.marketing > 0 || preview.consents.appointment > 0) && (
        <p className="office-note">{t('office.import.consents', { marketing: preview.consents.marketing, appointment: preview.consents.appointment })}</p>
      )}
      {!written && <p className="office-note">{t('office.import.nothingWritten')}</p>}
    </Panel>
  );
}

function MappingEditor({
  columns,
  mapping,
  serverProblems,
  onChange,
  disabled,
}: {
  columns: string[];
  mapping: Mapping;
  serverProblems: string[];
  onChange: (m: Mapping) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const problems = useMemo(() => mappingProblems(mapping, columns), [mapping, columns]);
  const conflicts = conflictingFields(problems);
  const describe = (p: (typeof problems)[number]) => {
    switch (p.kind) {
      case 'duplicate':
        return t('office.import.problems.duplicate', { column: p.column, fields: p.fields.map((f) => t(`office.import.fields.${f}`)).join(', ') });
      case 'noName':
        return t('office.import.problems.noName');
      case 'consentWithoutDate':
        return t('office.import.problems.consentWithoutDate');
      case 'unknownColumn':
        return t('office.import.problems.unknownColumn', { column: p.column });
    }
  };
  const options = columns.map((c, i) => ({ value: c, label: columnLabel(c, i) }));
  return (
    <Panel title={t('office.import.mappingTitle')} testId="import-mapping">
      <p className="office-note">{t('office.import.mappingLead')}</p>
      <div className="office-mapping">
        {importFields.map((field: ImportField) => (
          <MappingSelect
            key={field}
            label={t(`office.import.fields.${field}`)}
            value={mapping[field] ?? ''}
            onChange={(column) => onChange(setField(mapping, field, column || null))}
            options={options}
            empty={t('office.import.notUsed')}
            error={conflicts.has(field) ? t('office.import.problems.sameColumn') : undefined}
            disabled={disabled}
          />
        ))}
      </div>
      {(problems.length > 0 || serverProblems.length > 0) && (
        <div className="message message-error" role="alert">
          <ul className="office-problems">
            {problems.map((p) => (
              <li key={JSON.stringify(p)}>{describe(p)}</li>
            ))}
            {serverProblems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
    </Panel>
  );
}

// One field of the mapping: every field may stay unused, so none is marked required or optional.
function MappingSelect({
  label,
  value,
  onChange,
  options,
  empty,
  error,
  disabled,
}: {
  label: string;
  value: string;
  onChange: (column: string) => void;
  options: { value: string; label: string }[];
  empty: string;
  error?: string;
  disabled: boolean;
}) {
  const id = useId();
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        disabled={disabled}
      >
        <option value="">{empty}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function SampleTable({ preview }: { preview: Preview }) {
  const { t } = useTranslation();
  type Row = Preview['sample'][number];
  const columns: Column<Row>[] = [
    { id: 'line', header: t('office.import.line'), kind: 'num', rowHeader: true, cell: (r) => r.line },
    {
      id: 'status',
      header: t('office.import.status'),
      cell: (r) => <Chip tone={r.status === 'ok' ? 'ok' : r.status === 'duplicate' ? 'warn' : 'danger'}>{t(`office.import.statuses.${r.status}`)}</Chip>,
    },
    { id: 'name', header: t('office.import.fields.fullName'), cell: (r) => r.fullName || '—' },
    { id: 'phone', header: t('office.import.fields.phone'), kind: 'nowrap', cell: (r) => (r.phone ? formatPhone(r.phone) : '—') },
    { id: 'email', header: t('office.import.fields.email'), cell: (r) => r.email ?? '—' },
    { id: 'source', header: t('office.import.fields.source'), cell: (r) => (r.source ? t(`office.import.sources.${r.source as Source}`) : '—') },
  ];
  if (preview.sample.length === 0) return null;
  return (
    <Panel title={t('office.import.sampleTitle', { n: preview.sample.length })} testId="import-sample">
      <Table caption={t('office.import.sampleCaption')} captionHidden columns={columns} rows={preview.sample} rowKey={(r) => r.line} />
    </Panel>
  );
}

const problemsPage = 200;

export function ProblemList({ problems, omitted, title }: { problems: Problem[]; omitted: number; title: string }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(problemsPage);
  if (problems.length === 0) return null;
  return (
    <Panel title={title} testId="import-problems">
      <ol className="office-problem-list">
        {problems.slice(0, shown).map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: one line may have several problems of the same kind
          <li key={`${p.line}:${i}`}>
            <span className="office-problem-line">{t('office.import.lineN', { n: p.line })}</span>
            {p.column && <span className="office-problem-column">{p.column}</span>}
            <span>{p.message}</span>
          </li>
        ))}
      </ol>
      {problems.length > shown && (
        <div className="actions actions-start">
          <button type="button" className="button" onClick={() => setShown(shown + problemsPage * 5)}>
            {t('office.import.moreProblems', { n: problems.length - shown })}
          </button>
        </div>
      )}
      {omitted > 0 && <p className="office-note">{t('office.import.omitted', { n: omitted })}</p>}
    </Panel>
  );
}

function CommitResult({ result }: { result: Commit }) {
  const { t } = useTranslation();
  return (
    <>
      <div className="message message-success" role="status" data-testid="import-result">
        <p className="message-title">{t('office.import.doneTitle', { n: result.inserted })}</p>
        <p className="message-detail">
          {t('office.import.doneDetail', { skipped: result.skipped, invalid: result.invalid, duplicates: result.duplicates, consents: result.consents })}
        </p>
      </div>
      <ProblemList problems={result.errors} omitted={result.errorsOmitted} title={t('office.import.skippedTitle')} />
    </>
  );
}
