// Subjects' requests and regulators' demands with their legal deadlines: every open request with
// its due date, working days left and the rule's legal reference, coloured by urgency and labelled
// in words too (colour is never the only sign). Extend once with a reasoned notice where the rule
// allows it; close with the answer.
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../api/client.ts';
import { useClient } from '../../api/context.ts';
import { Chip, type ChipTone } from '../../components/Chip.tsx';
import { Dialog, DialogButtons } from '../../components/Dialog.tsx';
import { TextAreaField } from '../../components/Field.tsx';
import { ErrorBox } from '../../components/Messages.tsx';
import { type Column, Table } from '../../components/Table.tsx';
import { formatDate } from '../../format/date.ts';
import { useNav } from '../../state/nav.ts';
import { useSession } from '../../state/session.ts';
import { toast } from '../../state/toast.ts';
import { can } from './lib/permissions.ts';
import { byDeadline, countByUrgency, type Urgency, urgencies, urgencyOf } from './lib/urgency.ts';
import { ScreenTitle } from './ui/ScreenTitle.tsx';

type SubjectRequest = OperationResult<'request.list'>[number];
type Filter = 'open' | 'closed' | 'all';

const urgencyTone: Record<Urgency, ChipTone> = { overdue: 'danger', urgent: 'danger', soon: 'warn', later: 'ok' };

export function RequestsScreen() {
  const { t } = useTranslation();
  const client = useClient();
  const role = useSession((s) => s.actor?.role);
  const [filter, setFilter] = useState<Filter>('open');
  const [rows, setRows] = useState<SubjectRequest[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<{ kind: 'extend' | 'close'; request: SubjectRequest } | null>(null);
  const filterId = useId();

  const load = useCallback(async () => {
    setError(null);
    try {
      setRows(byDeadline(await client.call('request.list', { status: filter, limit: 2000 })));
    } catch (e) {
      setError(e);
      setRows([]);
    }
  }, [client, filter]);

  useEffect(() => {
    setRows(null);
    void load();
  }, [load]);

  const mayWrite = can(role, 'requests.write');
  const counts = rows ? countByUrgency(rows) : null;

  const columns: Column<SubjectRequest>[] = [
    {
      id: 'id',
      header: t('office.requests.col.number'),
      rowHeader: true,
      kind: 'nowrap',
      cell: (r) => t('office.requests.number', { id: r.id }),
    },
    {
      id: 'type',
      header: t('office.requests.col.type'),
      cell: (r) => (
        <>
          <span className="office-strong">{t(`office.requests.types.${r.type}`)}</span>
          <span className="office-sub">
            {r.personId !== null ? (
              <button
                type="button"
                className="link-button office-inline-link"
                onClick={() => useNav.getState().go({ name: 'person', id: r.personId as number })}
              >
                {t('office.requests.person', { id: r.personId })}
              </button>
            ) : (
              t('office.requests.noPerson')
            )}
            {' · '}
            {t(`office.requests.requesterKinds.${r.requesterKind}`)}
            {r.requester ? `: ${r.requester}` : ''}
          </span>
        </>
      ),
    },
    {
      id: 'received',
      header: t('office.requests.col.received'),
      kind: 'nowrap',
      cell: (r) => (
        <>
          {formatDate(r.receivedAt)}
          <span className="office-sub">{t(`office.requests.channels.${r.channel}`)}</span>
        </>
      ),
    },
    {
      id: 'due',
      header: t('office.requests.col.due'),
      cell: (r) => (
        <>
          <span className="office-strong office-date">{formatDate(r.due)}</span>
          {r.provisional && <span className="office-sub office-provisional">{t('office.requests.provisional', { years: r.missingYears.join(', ') })}</span>}
          {r.extended && <span className="office-sub">{t('office.requests.extendedFrom', { date: formatDate(r.originalDue) })}</span>}
        </>
      ),
    },
    {
      id: 'left',
      header: t(`office.requests.col.${filter === 'open' ? 'left' : filter === 'closed' ? 'answered' : 'leftOrAnswered'}`),
      cell: (r) => <DaysLeftCell request={r} />,
    },
    {
      id: 'law',
      header: t('office.requests.col.law'),
      cell: (r) => (
        <>
          <span className="office-law">{r.legalRef}</span>
          {r.ruleUnconfirmed && (
            <Chip tone="warn" className="office-chip-inline">
              {t('office.requests.unconfirmed')}
            </Chip>
          )}
        </>
      ),
    },
  ];
  if (mayWrite && filter !== 'closed') {
    columns.push({
      id: 'actions',
      header: t('office.requests.col.actions'),
      kind: 'actions',
      cell: (r) =>
        r.status === 'open' ? (
          <div className="office-row-actions">
            {r.canExtend && (
              <button type="button" className="button button-small" onClick={() => setDialog({ kind: 'extend', request: r })}>
                {t('office.requests.extend')}
                <span className="visually-hidden"> {t('office.requests.number', { id: r.id })}</span>
              </button>
            )}
            <button type="button" className="button button-small" onClick={() => setDialog({ kind: 'close', request: r })}>
              {t('office.requests.close')}
              <span className="visually-hidden"> {t('office.requests.number', { id: r.id })}</span>
            </button>
          </div>
        ) : null,
    });
  }

  return (
    <div className="office-screen" data-testid="office-requests">
      <ScreenTitle title={t('office.requests.title')} lead={t('office.requests.lead')} />
      <div className="office-toolbar">
        <fieldset className="office-segmented" aria-describedby={filterId}>
          <legend>{t('office.requests.filter')}</legend>
          {(['open', 'closed', 'all'] as const).map((f) => (
            <label key={f} className="office-segment">
              <input type="radio" name="request-filter" value={f} checked={filter === f} onChange={() => setFilter(f)} />
              <span>{t(`office.requests.filters.${f}`)}</span>
            </label>
          ))}
        </fieldset>
        <p id={filterId} className="visually-hidden">
          {t('office.requests.filterHint')}
        </p>
        <button type="button" className="button" onClick={() => void load()}>
          {t('office.common.refresh')}
        </button>
      </div>
      {counts && filter !== 'closed' && (
        <ul className="office-summary" aria-label={t('office.requests.summary')}>
          {urgencies.map((u) => (
            <li key={u} className={`office-summary-item office-urgency-${u}`}>
              <span className="office-summary-count">{counts[u]}</span> {t(`office.requests.urgency.${u}`)}
            </li>
          ))}
        </ul>
      )}
      {error !== null && <ErrorBox error={error} />}
      {rows === null ? (
        <p className="loading" role="status">
          {t('office.common.loading')}
        </p>
      ) : (
        <div className="office-card">
          <Table
            caption={t(`office.requests.caption.${filter}`)}
            columns={columns}
            rows={rows}
            rowKey={(r) => r.id}
            rowClassName={(r) => {
              const u = urgencyOf(r);
              return u ? `office-urgency-row office-urgency-${u}` : 'office-urgency-row office-closed';
            }}
            empty={t(`office.requests.empty.${filter}`)}
            testId="requests-table"
          />
        </div>
      )}
      {dialog?.kind === 'extend' && (
        <ExtendDialog
          request={dialog.request}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            void load();
          }}
        />
      )}
      {dialog?.kind === 'close' && (
        <CloseDialog
          request={dialog.request}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            void load();
          }}
        />
      )}
    </div>
  );
}

function DaysLeftCell({ request: r }: { request: SubjectRequest }) {
  const { t } = useTranslation();
  if (r.status === 'closed') {
    return (
      <>
        <span>{r.closedAt ? t('office.requests.closedOn', { date: formatDate(r.closedAt) }) : t('office.requests.closedShort')}</span>
        {r.answeredLate && (
          <Chip tone="danger" className="office-chip-inline">
            {t('office.requests.answeredLate')}
          </Chip>
        )}
        {r.answer && (
          <details className="office-answer">
            <summary>{t('office.requests.answerText')}</summary>
            <p>{r.answer}</p>
          </details>
        )}
      </>
    );
  }
  const u = urgencyOf(r) ?? 'later';
  const left = r.workingDaysLeft ?? 0;
  let text: string;
  if (u === 'overdue')
    text = left < 0 ? t('office.requests.overdueWorking', { days: -left }) : t('office.requests.overdueCalendar', { days: Math.abs(r.calendarDaysLeft ?? 0) });
  else if (left === 0) text = t('office.requests.lastDay');
  else text = t('office.requests.workingDaysLeft', { days: left });
  return (
    <span className="office-left" data-urgency={u}>
      <Chip tone={urgencyTone[u]} className={`office-urgency-chip office-urgency-${u}`}>
        {t(`office.requests.urgencyShort.${u}`)}
      </Chip>
      <span className="office-left-text">{text}</span>
    </span>
  );
}

function ExtendDialog({ request, onClose, onDone }: { request: SubjectRequest; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const ext = request.rule.extension;
  const submit = async () => {
    if (notice.trim() === '') {
      setInvalid(true);
      ref.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await client.call('request.extend', { id: request.id, notice: notice.trim() });
      toast.success(t('office.requests.extended', { id: request.id, date: formatDate(r.due) }));
      onDone();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('office.requests.extendTitle', { id: request.id })}
      description={
        ext
          ? t(ext.unit === 'working' ? 'office.requests.extendByWorking' : 'office.requests.extendByCalendar', { days: ext.days, due: formatDate(request.due) })
          : undefined
      }
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      footer={<DialogButtons submitLabel={t('office.requests.extendSubmit')} onCancel={onClose} busy={busy} />}
    >
      <p className="office-law-note">{t('office.requests.lawNote', { law: request.legalRef })}</p>
      <TextAreaField
        ref={ref}
        label={t('office.requests.notice')}
        hint={t('office.requests.noticeHint')}
        value={notice}
        onChange={(e) => {
          setNotice(e.target.value);
          setInvalid(false);
        }}
        rows={5}
        maxLength={4000}
        error={invalid ? 'validation.required' : undefined}
      />
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}

function CloseDialog({ request, onClose, onDone }: { request: SubjectRequest; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [answer, setAnswer] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const submit = async () => {
    if (answer.trim() === '') {
      setInvalid(true);
      ref.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await client.call('request.close', { id: request.id, answer: answer.trim() });
      toast.success(r.answeredLate ? t('office.requests.closedLate', { id: request.id }) : t('office.requests.closed', { id: request.id }));
      onDone();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('office.requests.closeTitle', { id: request.id })}
      description={t('office.requests.closeDescription', { type: t(`office.requests.types.${request.type}`), due: formatDate(request.due) })}
      onClose={onClose}
      onSubmit={() => void submit()}
      busy={busy}
      size="wide"
      footer={<DialogButtons submitLabel={t('office.requests.closeSubmit')} onCancel={onClose} busy={busy} />}
    >
      <TextAreaField
        ref={ref}
        label={t('office.requests.answer')}
        hint={t('office.requests.answerHint')}
        value={answer}
        onChange={(e) => {
          setAnswer(e.target.value);
          setInvalid(false);
        }}
        rows={8}
        maxLength={20000}
        error={invalid ? 'validation.required' : undefined}
      />
      {error !== null && <ErrorBox error={error} />}
    </Dialog>
  );
}
