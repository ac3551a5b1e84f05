// The card's history, newest first. From the audit log for those who may read it; for the desk,
// put together from consents, blocks and requests (renderer/state/person.ts says how). Each line
// names the action, its particulars in words (purpose, reason, outcome, fields) and who did it.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionButton } from '../../components/ActionButton.tsx';
import { Panel } from '../../components/Panel.tsx';
import { formatDate } from '../../format/date.ts';
import type { HistoryEntry } from '../../state/person.ts';

const firstShown = 15;

function time(iso: string): string {
  if (iso.length <= 10) return formatDate(iso);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDate(d)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function History({ entries, source, titleOf }: { entries: HistoryEntry[]; source: 'audit' | 'derived'; titleOf: (code: string) => string }) {
  const { t } = useTranslation();
  const [all, setAll] = useState(false);
  const shown = all ? entries : entries.slice(0, firstShown);
  return (
    <Panel title={t('desk.history.title')} testId="history">
      <p className="panel-note">{t(source === 'audit' ? 'desk.history.fromAudit' : 'desk.history.fromRecords')}</p>
      {entries.length === 0 ? (
        <p className="table-empty">{t('desk.history.empty')}</p>
      ) : (
        <ol className="history">
          {shown.map((e) => (
            <li key={e.key}>
              <span className="history-time">{time(e.at)}</span>
              <span className="history-what">
                <ActionLabel action={e.action} />
                <Particulars entry={e} titleOf={titleOf} />
              </span>
              {e.by && <span className="history-by">{e.by}</span>}
            </li>
          ))}
        </ol>
      )}
      {entries.length > firstShown && (
        <ActionButton variant="link" onClick={() => setAll(!all)}>
          {all ? t('desk.history.showFewer') : t('desk.history.showAll', { count: entries.length })}
        </ActionButton>
      )}
    </Panel>
  );
}

function ActionLabel({ action }: { action: string }) {
  const { t, i18n } = useTranslation();
  const key = `desk.history.action.${action.replace(/\./g, '_')}`;
  return <span className="history-action">{i18n.exists(key) ? t(key as 'desk.history.title') : t('desk.history.unknownAction', { action })}</span>;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

function Particulars({ entry, titleOf }: { entry: HistoryEntry; titleOf: (code: string) => string }) {
  const { t, i18n } = useTranslation();
  const d = entry.details;
  const parts: string[] = [];
  const purpose = str(d.purpose);
  if (purpose) parts.push(titleOf(purpose));
  const channel = str(d.channel);
  if (channel && i18n.exists(`desk.channel.${channel}`)) parts.push(t(`desk.channel.${channel as 'paper'}`));
  const formVersion = str(d.formVersion);
  if (formVersion) parts.push(t('desk.evidence.formVersion', { version: formVersion }));
  const reason = str(d.reason);
  if (reason && i18n.exists(`desk.blockReason.${reason}`)) parts.push(t(`desk.blockReason.${reason as 'other'}`));
  const outcome = str(d.outcome);
  if (outcome && i18n.exists(`desk.outcome.${outcome}`)) parts.push(t(`desk.outcome.${outcome as 'other'}`));
  const type = str(d.type);
  if (type && i18n.exists(`desk.requestType.${type}`)) parts.push(t(`desk.requestType.${type as 'access'}`));
  const requestId = str(d.requestId);
  if (requestId) parts.push(t('desk.person.number', { id: requestId }));
  const source = str(d.source);
  if (source && i18n.exists(`desk.source.${source}`)) parts.push(t(`desk.source.${source as 'other'}`));
  if (Array.isArray(d.fields) && entry.action === 'person.edit') {
    parts.push(d.fields.map((f) => (i18n.exists(`desk.field.${String(f)}`) ? t(`desk.field.${String(f) as 'phone'}`) : String(f))).join(', '));
  }
  const actNumber = str(d.actNumber);
  if (actNumber) parts.push(t('desk.history.act', { number: actNumber }));
  if (parts.length === 0) return null;
  return <span className="history-details">{parts.join(' · ')}</span>;
}
