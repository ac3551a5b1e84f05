// A file the register has just written: where it is, what is in it, and a button that opens its
// folder (the host opens only files this session wrote). Exports are plaintext: said every time.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../../api/context.ts';
import { ErrorBox } from '../../../components/Messages.tsx';
import { formatBytes } from '../lib/paths.ts';

export interface FileFacts {
  path: string;
  rows?: number;
  files?: number;
  bytes?: number;
  sha256?: string;
  // What the path and the hash are, when not a file and its own hash (a pack's folder, its manifest).
  pathLabel?: string;
  hashLabel?: string;
}

export function FileResult({ title, facts, plaintext = true }: { title: string; facts: FileFacts; plaintext?: boolean }) {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const [reveal, setReveal] = useState<{ status: 'idle' } | { status: 'failed'; message?: string; error?: unknown }>({ status: 'idle' });
  const lng = i18n.resolvedLanguage ?? 'ru';
  const n = new Intl.NumberFormat(lng);
  const open = async () => {
    setReveal({ status: 'idle' });
    try {
      const r = await client.reveal({ path: facts.path });
      if (!r.ok) setReveal({ status: 'failed', message: r.message });
    } catch (error) {
      setReveal({ status: 'failed', error });
    }
  };
  const units = [t('office.units.b'), t('office.units.kb'), t('office.units.mb'), t('office.units.gb')] as const;
  return (
    <div className="message message-success office-result" role="status" data-testid="file-result">
      <p className="message-title">{title}</p>
      <dl className="office-facts">
        <div>
          <dt>{facts.pathLabel ?? t('office.result.path')}</dt>
          <dd className="office-mono" data-testid="result-path">
            {facts.path}
          </dd>
        </div>
        {facts.rows !== undefined && (
          <div>
            <dt>{t('office.result.rows')}</dt>
            <dd data-testid="result-rows">{n.format(facts.rows)}</dd>
          </div>
        )}
        {facts.files !== undefined && (
          <div>
            <dt>{t('office.result.files')}</dt>
            <dd>{n.format(facts.files)}</dd>
          </div>
        )}
        {facts.bytes !== undefined && (
          <div>
            <dt>{t('office.result.size')}</dt>
            <dd data-testid="result-size">{formatBytes(facts.bytes, units, lng)}</dd>
          </div>
        )}
        {facts.sha256 && (
          <div>
            <dt>{facts.hashLabel ?? t('office.result.sha256')}</dt>
            <dd className="office-mono office-hash">{facts.sha256}</dd>
          </div>
        )}
      </dl>
      {plaintext && <p className="office-plaintext">{t('office.result.plaintext')}</p>}
      <div className="actions actions-start">
        <button type="button" className="button" onClick={() => void open()}>
          {t('office.result.openFolder')}
        </button>
      </div>
      {reveal.status === 'failed' &&
        (reveal.error !== undefined ? <ErrorBox error={reveal.error} /> : <p className="office-note">{reveal.message ?? t('office.result.cannotOpen')}</p>)}
    </div>
  );
}
