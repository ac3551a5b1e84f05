// The event log: every change and export, who and when, filtered by period, kind of action, user
// and object; older pages on demand. And the one button an inspector cares about: verify the hash
// chain, which names the first altered or removed row if there is one.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../../api/client.ts';
import { useClient } from '../../api/context.ts';
import { DateField } from '../../components/DateField.tsx';
import { Field, SelectField } from '../../components/Field.tsx';
import { ErrorBox } from '../../components/Messages.tsx';
import { Panel } from '../../components/Panel.tsx';
import { type Column, Table } from '../../components/Table.tsx';
import { formatDate } from '../../format/date.ts';
import { useSession } from '../../state/session.ts';
import { cancelJob, runJob, useJob } from './jobs.ts';
import { actionGroups, actionLabelKey, describeDetails, entityKindOf, entityKinds, formatTime } from './lib/audit.ts';
import { checkPeriod } from './lib/period.ts';
import { can } from './lib/permissions.ts';
import { JobProgress } from './ui/JobProgress.tsx';
import { ScreenTitle } from './ui/ScreenTitle.tsx';

type AuditRow = OperationResult<'audit.list'>[number];
type VerifyResult = OperationResult<'audit.verify'>;
type User = OperationResult<'user.list'>[number];

const pageSize = 100;

interface Filters {
  from?: string;
  to?: string;
  action?: string;
  userId?: number;
  entity?: string;
  entityId?: number;
}

export function AuditScreen() {
  const { t } = useTranslation();
  const role = useSession((s) => s.actor?.role);
  return (
    <div className="office-screen" data-testid="office-audit">
      <ScreenTitle title={t('office.audit.title')} lead={t('office.audit.lead')} />
      {can(role, 'audit.verify') && <ChainCheck />}
      {can(role, 'audit.read') && <EventLog />}
    </div>
  );
}

function ChainCheck() {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const job = useJob<VerifyResult>('auditVerify');
  const running = job.status === 'running';
  const n = new Intl.NumberFormat(i18n.resolvedLanguage ?? 'ru');
  return (
    <Panel title={t('office.audit.verify.title')} testId="audit-verify">
      <p className="office-note">{t('office.audit.verify.lead')}</p>
      <div className="actions actions-start">
        <button
          type="button"
          className="button button-primary"
          disabled={running}
          onClick={() => void runJob('auditVerify', (o) => client.call('audit.verify', {}, o))}
        >
          {t('office.audit.verify.submit')}
        </button>
      </div>
      <JobProgress state={job} label={t('office.audit.verify.running')} onCancel={() => cancelJob('auditVerify')} />
      {job.status === 'failed' && <ErrorBox error={job.error} />}
      {job.status === 'cancelled' && (
        <div className="message message-info" role="status">
          <p className="message-title">{t('office.job.cancelledRead')}</p>
        </div>
      )}
      {job.status === 'done' &&
        (job.result.ok ? (
          <div className="message message-success" role="status" data-testid="verify-result">
            <p className="message-title">{t('office.audit.verify.ok', { rows: n.format(job.result.rows) })}</p>
            <p className="office-sub">
              {t('office.audit.verify.head')} <span className="office-mono office-hash">{job.result.head}</span>
            </p>
          </div>
        ) : (
          <div className="message message-error" role="alert" data-testid="verify-result">
            <p className="message-title">{t('office.audit.verify.bad', { id: job.result.firstBadId })}</p>
            <p className="message-detail">{job.result.message}</p>
          </div>
        ))}
    </Panel>
  );
}

function EventLog() {
  const { t } = useTranslation();
  const client = useClient();
  const [fromText, setFrom] = useState('');
  const [toText, setTo] = useState('');
  const [action, setAction] = useState('');
  const [userId, setUserId] = useState('');
  const [entity, setEntity] = useState('');
  const [entityIdText, setEntityId] = useState('');
  const [tried, setTried] = useState(false);
  const [applied, setApplied] = useState<Filters>({});
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [more, setMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [users, setUsers] = useState<User[] | null>(null);

  useEffect(() => {
    client.call('user.list', {}).then(setUsers, () => setUsers(null));
  }, [client]);

  const period = checkPeriod(fromText, toText);
  const entityId = entityIdText.trim() === '' ? undefined : Number(entityIdText.trim());
  const entityIdBad = entityId !== undefined && (!Number.isInteger(entityId) || entityId <= 0);

  const fetchPage = useCallback(
    async (filters: Filters, beforeId?: number) => {
      const page = await client.call('audit.list', { ...filters, limit: pageSize, ...(beforeId ? { beforeId } : {}) });
      return page;
    },
    [client],
  );

  const load = useCallback(
    async (filters: Filters) => {
      setError(null);
      setRows(null);
      try {
        const page = await fetchPage(filters);
        setRows(page);
        setMore(page.length === pageSize);
      } catch (e) {
        setError(e);
        setRows([]);
        setMore(false);
      }
    },
    [fetchPage],
  );

  useEffect(() => {
    void load({});
  }, [load]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (period.fromError || period.toError || entityIdBad) return;
    const filters: Filters = {
      ...(period.from ? { from: period.from } : {}),
      ...(period.to ? { to: period.to } : {}),
      ...(action ? { action } : {}),
      ...(userId ? { userId: Number(userId) } : {}),
      ...(entity ? { entity } : {}),
      ...(entityId ? { entityId } : {}),
    };
    setApplied(filters);
    void load(filters);
  };

  const clear = () => {
    setFrom('');
    setTo('');
    setAction('');
    setUserId('');
    setEntity('');
    setEntityId('');
    setTried(false);
    setApplied({});
    void load({});
  };

  const loadMore = async () => {
    if (!rows || rows.length === 0) return;
    setLoadingMore(true);
    try {
      const page = await fetchPage(applied, rows[rows.length - 1]!.id);
      setRows([...rows, ...page]);
      setMore(page.length === pageSize);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const columns: Column<AuditRow>[] = [
    { id: 'id', header: t('office.audit.col.id'), kind: 'num', rowHeader: true, cell: (r) => r.id },
    { id: 'at', header: t('office.audit.col.at'), kind: 'nowrap', cell: (r) => formatTime(r.at, formatDate) },
    { id: 'user', header: t('office.audit.col.user'), cell: (r) => r.login ?? t('office.audit.system') },
    {
      id: 'action',
      header: t('office.audit.col.action'),
      cell: (r) => {
        const key = actionLabelKey(r.action);
        return (
          <>
            {key && <span className="office-strong">{t(key as 'office.audit.title')}</span>}
            <span className={key ? 'office-sub office-mono' : 'office-mono'}>{r.action}</span>
          </>
        );
      },
    },
    {
      id: 'entity',
      header: t('office.audit.col.entity'),
      kind: 'nowrap',
      cell: (r) =>
        r.entity
          ? r.entityId
            ? t('office.audit.entityRef', { entity: t(`office.audit.entities.${entityKindOf(r.entity)}`), id: r.entityId })
            : t(`office.audit.entities.${entityKindOf(r.entity)}`)
          : '—',
    },
    {
      id: 'details',
      header: t('office.audit.col.details'),
      cell: (r) => {
        const parts = describeDetails(r.details);
        return parts.length ? (
          <ul className="office-details">
            {parts.map(([k, v]) => (
              <li key={k}>
                <span className="office-details-key">{k}</span> {v}
              </li>
            ))}
          </ul>
        ) : (
          '—'
        );
      },
    },
  ];

  return (
    <Panel title={t('office.audit.log.title')} testId="audit-log">
      <form className="office-filters" noValidate onSubmit={apply} aria-label={t('office.audit.log.filters')}>
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
        <div className="field-row">
          <SelectField
            label={t('office.audit.log.action')}
            value={action}
            onChange={(e) => setAction(e.target.value)}
            options={actionGroups.map((g) => ({ value: g, label: t(`office.audit.groups.${g}`) }))}
            placeholder={t('office.audit.log.any')}
            optional
            wide="half"
          />
          <SelectField
            label={t('office.audit.log.user')}
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            options={(users ?? []).map((u) => ({ value: String(u.id), label: `${u.fullName} (${u.login})` }))}
            placeholder={t('office.audit.log.any')}
            optional
            wide="half"
          />
        </div>
        <div className="field-row">
          <SelectField
            label={t('office.audit.log.entity')}
            value={entity}
            onChange={(e) => setEntity(e.target.value)}
            options={entityKinds.map((k) => ({ value: k, label: t(`office.audit.entities.${k}`) }))}
            placeholder={t('office.audit.log.any')}
            optional
            wide="half"
          />
          <Field
            label={t('office.audit.log.entityId')}
            value={entityIdText}
            onChange={(e) => setEntityId(e.target.value)}
            inputMode="numeric"
            optional
            wide="half"
            error={tried && entityIdBad ? t('office.audit.log.entityIdBad') : undefined}
          />
        </div>
        <div className="actions actions-start">
          <button type="submit" className="button button-primary">
            {t('office.audit.log.apply')}
          </button>
          <button type="button" className="button" onClick={clear}>
            {t('office.audit.log.clear')}
          </button>
        </div>
      </form>
      {error !== null && <ErrorBox error={error} />}
      {rows === null ? (
        <p className="loading" role="status">
          {t('office.common.loading')}
        </p>
      ) : (
        <>
          <p className="office-sub" role="status">
            {t('office.audit.log.shown', { n: rows.length })}
          </p>
          <Table
            caption={t('office.audit.log.caption')}
            captionHidden
            columns={columns}
            rows={rows}
            rowKey={(r) => r.id}
            empty={t('office.audit.log.empty')}
            testId="audit-table"
          />
          {more && (
            <div className="actions actions-start">
              <button type="button" className="button" onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore ? t('office.common.loading') : t('office.audit.log.more')}
              </button>
            </div>
          )}
        </>
      )}
    </Panel>
  );
}
