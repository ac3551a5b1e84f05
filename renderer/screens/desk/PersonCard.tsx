// The person card: contact data, every purpose with its consent state and evidence, open requests
// with days left, the history, and the actions of the desk. A blocked record says why and since
// when, and its edit actions are unavailable with that reason as their description. A consent
// form's scanned code lands here with `intent`: the card opens "record the signed form" for that
// purpose, the form version filled in.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../api/context.ts';
import { errorCode } from '../../api/errors.ts';
import { ActionButton } from '../../components/ActionButton.tsx';
import { Chip, type ChipTone } from '../../components/Chip.tsx';
import { DaysLeft } from '../../components/DaysLeft.tsx';
import { ErrorBox } from '../../components/Messages.tsx';
import { Panel } from '../../components/Panel.tsx';
import { Table } from '../../components/Table.tsx';
import { formatDate } from '../../format/date.ts';
import { formatPhone } from '../../format/phone.ts';
import { type PaperConsentIntent, useNav } from '../../state/nav.ts';
import { canDestroy, type LivingPerson, type PurposeConsent, purposeTitle, type SubjectRequest, usePersonCard } from '../../state/person.ts';
import { useSession } from '../../state/session.ts';
import { toast } from '../../state/toast.ts';
import { PaperConsentDialog, PrintDialog, ScanDialog, WithdrawDialog } from './ConsentDialogs.tsx';
import { DestroyDialog } from './DestroyDialog.tsx';
import { History } from './History.tsx';
import { BlockDialog, ConfirmVerifyDialog, EditPersonDialog, MarkVerifyDialog, RequestDialog, UnblockDialog } from './RecordDialogs.tsx';

export type CardDialog =
  | { kind: 'paper'; purpose: string; formVersion?: string; fromCode?: boolean }
  | { kind: 'withdraw'; purpose: string }
  | { kind: 'refuse'; purpose: string }
  | { kind: 'print'; purpose: string }
  | { kind: 'scan'; scanId: number; mime: string }
  | { kind: 'edit'; verification: boolean }
  | { kind: 'block' }
  | { kind: 'unblock' }
  | { kind: 'markVerify' }
  | { kind: 'confirmVerify' }
  | { kind: 'request' }
  | { kind: 'destroy' };

const stateTones: Record<PurposeConsent['state'], ChipTone> = { active: 'ok', withdrawn: 'warn', refused: 'neutral', expired: 'warn', none: 'neutral' };

export function PersonCard({ id, intent }: { id: number; intent?: PaperConsentIntent }) {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const actor = useSession((s) => s.actor);
  const back = useNav((s) => s.back);
  const card = usePersonCard((s) => s.card);
  const data = usePersonCard((s) => s.data);
  const load = usePersonCard((s) => s.load);
  const [dialog, setDialog] = useState<CardDialog | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const handledIntent = useRef<number | null>(null);
  const role = actor?.role ?? 'receptionist';

  useEffect(() => {
    void load(client, id, role);
  }, [client, id, role, load]);

  const ready = data !== null && data.person.id === id;
  const person = ready && !data.person.destroyed ? (data.person as LivingPerson) : null;

  // Focus the name when the card arrives, so a screen reader starts at the top.
  useEffect(() => {
    if (ready) headingRef.current?.focus();
  }, [ready]);

  // A scanned form: open "record the signed form" for its purpose (once per scan).
  useEffect(() => {
    if (!intent || handledIntent.current === intent.nonce || !ready) return;
    handledIntent.current = intent.nonce;
    const consent = data.consents.consents.find((c) => c.purpose.code === intent.purpose);
    if (!consent) {
      toast.error(t('desk.scan.unknownPurpose', { purpose: intent.purpose }));
      return;
    }
    setHighlight(consent.purpose.code);
    document.getElementById(`purpose-${consent.purpose.code}`)?.scrollIntoView({ block: 'center' });
    if (!person) return;
    if (person.blocked) {
      toast.warning(t('desk.scan.blocked'));
      return;
    }
    setDialog({ kind: 'paper', purpose: consent.purpose.code, formVersion: intent.formVersion, fromCode: true });
  }, [intent, ready, data, person, t]);

  const reload = () => load(client, id, role, { quiet: true });
  // The row a scanned form pointed at stays marked until its dialog is closed.
  const close = () => {
    setDialog(null);
    setHighlight(null);
  };
  const done = (message: string) => {
    close();
    toast.success(message);
    void reload();
  };

  if (!ready) {
    if (card.status === 'failed') {
      const missing = errorCode(card.error) === 'not_found';
      return (
        <div className="screen-card">
          <BackLink onBack={back} />
          <h1>{t('desk.person.notFoundTitle', { id })}</h1>
          {missing ? <p className="lead">{t(intent ? 'desk.scan.noPerson' : 'desk.person.notFound', { id })}</p> : <ErrorBox error={card.error} />}
          <div className="actions actions-start">
            <ActionButton onClick={() => void load(client, id, role)}>{t('desk.common.retry')}</ActionButton>
          </div>
        </div>
      );
    }
    return (
      <div className="screen-card">
        <BackLink onBack={back} />
        <p className="loading" role="status">
          {t('app.loading')}
        </p>
      </div>
    );
  }

  const titles = new Map(data.purposes.map((p) => [p.code, purposeTitle(p, p.code, i18n.resolvedLanguage ?? 'ru')]));
  const titleOf = (code: string) => titles.get(code) ?? code;

  if (!person) {
    return (
      <div className="screen-card">
        <BackLink onBack={back} />
        <h1 ref={headingRef} tabIndex={-1}>
          {t('desk.person.subject', { id })}
        </h1>
        <div className="banner banner-destroyed" data-testid="destroyed-banner">
          <p className="banner-title">{t('desk.person.destroyedTitle')}</p>
          <p>{t('desk.person.destroyedText', { act: data.act?.number ?? '', date: data.act ? formatDate(data.act.date) : '' })}</p>
        </div>
        <History entries={data.history} source={data.historySource} titleOf={titleOf} />
      </div>
    );
  }

  const blockedReason = person.block
    ? t('desk.person.blockedHint', { date: formatDate(person.block.since), reason: t(`desk.blockReason.${person.block.reason as 'other'}`) })
    : null;
  const openRequests = data.requests.filter((r) => r.status === 'open');

  return (
    <div className="screen-card">
      <BackLink onBack={back} />
      <div className="card-title">
        <h1 ref={headingRef} tabIndex={-1} data-testid="person-name">
          {person.fullName}
        </h1>
        <p className="card-subtitle">
          {t('desk.person.number', { id: person.id })} · {t('desk.person.addedOn', { date: formatDate(person.createdAt) })} ·{' '}
          {t(`desk.source.${person.source}`)}
        </p>
        <p className="chips chips-start">
          {person.blocked && <Chip tone="danger">{t('home.blocked')}</Chip>}
          {person.needsVerification && <Chip tone="warn">{t('home.needsVerification')}</Chip>}
        </p>
      </div>

      {person.block && (
        <div className="banner banner-blocked" data-testid="blocked-banner">
          <p className="banner-title">{t('desk.person.blockedTitle', { date: formatDate(person.block.since) })}</p>
          <p>
            {t('desk.person.blockedReason', {
              reason: t(`desk.blockReason.${person.block.reason as 'other'}`),
              by: t(`desk.requester.${person.block.requestedBy as 'subject'}`),
            })}
          </p>
          <p>{t('desk.person.blockedEffect')}</p>
          <div className="actions actions-start">
            <ActionButton variant="primary" onClick={() => setDialog({ kind: 'unblock' })}>
              {t('desk.actions.unblock')}
            </ActionButton>
          </div>
        </div>
      )}

      {person.verification && (
        <div className="banner banner-verify" data-testid="verify-banner">
          <p className="banner-title">{t('desk.person.verifyTitle', { date: formatDate(person.verification.since) })}</p>
          {person.verification.reason && <p>{t('desk.person.verifyReason', { reason: person.verification.reason })}</p>}
          <div className="actions actions-start">
            <ActionButton onClick={() => setDialog({ kind: 'confirmVerify' })}>{t('desk.actions.confirmData')}</ActionButton>
            <ActionButton onClick={() => setDialog({ kind: 'edit', verification: true })} disabledReason={blockedReason}>
              {t('desk.actions.correctData')}
            </ActionButton>
          </div>
        </div>
      )}

      <div className="card-grid">
        <Panel
          title={t('desk.person.contacts')}
          actions={
            <ActionButton small onClick={() => setDialog({ kind: 'edit', verification: false })} disabledReason={blockedReason}>
              {t('desk.actions.edit')}
            </ActionButton>
          }
        >
          <dl className="facts">
            <dt>{t('desk.person.phone')}</dt>
            <dd className="nowrap">{person.phone ? formatPhone(person.phone) : t('desk.common.none')}</dd>
            <dt>{t('desk.person.email')}</dt>
            <dd>{person.email ?? t('desk.common.none')}</dd>
            <dt>{t('desk.person.source')}</dt>
            <dd>{t(`desk.source.${person.source}`)}</dd>
            <dt>{t('desk.person.updated')}</dt>
            <dd>{formatDate(person.updatedAt)}</dd>
          </dl>
        </Panel>
        <Panel title={t('desk.person.actionsTitle')}>
          <div className="action-list">
            {person.blocked ? (
              <ActionButton onClick={() => setDialog({ kind: 'unblock' })}>{t('desk.actions.unblock')}</ActionButton>
            ) : (
              <ActionButton onClick={() => setDialog({ kind: 'block' })}>{t('desk.actions.block')}</ActionButton>
            )}
            {!person.needsVerification && <ActionButton onClick={() => setDialog({ kind: 'markVerify' })}>{t('desk.actions.markVerify')}</ActionButton>}
            <ActionButton onClick={() => setDialog({ kind: 'request' })}>{t('desk.actions.openRequest')}</ActionButton>
            {canDestroy(role) && (
              <ActionButton variant="danger" onClick={() => setDialog({ kind: 'destroy' })}>
                {t('desk.actions.destroy')}
              </ActionButton>
            )}
          </div>
        </Panel>
      </div>

      <Panel title={t('desk.consents.title')} testId="consents">
        <p className="panel-note">{t('desk.consents.asOf', { date: formatDate(data.consents.asOf) })}</p>
        <Table
          caption={t('desk.consents.title')}
          captionHidden
          rows={data.consents.consents}
          rowKey={(c) => c.purpose.code}
          rowClassName={(c) => (c.purpose.code === highlight ? 'row-highlight' : undefined)}
          columns={[
            {
              id: 'purpose',
              header: t('desk.consents.purpose'),
              rowHeader: true,
              cell: (c) => (
                <span id={`purpose-${c.purpose.code}`} className="purpose-title">
                  {titleOf(c.purpose.code)}
                  {c.purpose.requiresWritten && <span className="purpose-note">{t('desk.consents.writtenOnly')}</span>}
                </span>
              ),
            },
            {
              id: 'state',
              header: t('desk.consents.state'),
              cell: (c) => (
                <>
                  <Chip tone={stateTones[c.state]} className={`consent-${c.state}`}>
                    {t(`desk.consentState.${c.state}`)}
                  </Chip>
                  {c.since && <span className="cell-note">{t('desk.consents.since', { date: formatDate(c.since) })}</span>}
                  {c.validUntil && <span className="cell-note">{t('desk.consents.validUntil', { date: formatDate(c.validUntil) })}</span>}
                </>
              ),
            },
            {
              id: 'evidence',
              header: t('desk.consents.evidence'),
              cell: (c) => <Evidence consent={c} onScan={(scanId, mime) => setDialog({ kind: 'scan', scanId, mime })} />,
            },
            {
              id: 'actions',
              header: t('desk.consents.actions'),
              kind: 'actions',
              cell: (c) => (
                <ConsentActions
                  consent={c}
                  title={titleOf(c.purpose.code)}
                  blockedReason={blockedReason}
                  onOpen={(kind) => setDialog(kind === 'paper' ? { kind, purpose: c.purpose.code } : { kind, purpose: c.purpose.code })}
                />
              ),
            },
          ]}
        />
      </Panel>

      <Panel
        title={t('desk.requests.title')}
        testId="requests"
        actions={
          <ActionButton small onClick={() => setDialog({ kind: 'request' })}>
            {t('desk.actions.openRequest')}
          </ActionButton>
        }
      >
        <Requests requests={data.requests} openCount={openRequests.length} />
      </Panel>

      <History entries={data.history} source={data.historySource} titleOf={titleOf} />

      {dialog?.kind === 'paper' && (
        <PaperConsentDialog
          person={person}
          consents={data.consents.consents}
          titleOf={titleOf}
          purpose={dialog.purpose}
          formVersion={dialog.formVersion}
          fromCode={dialog.fromCode}
          onClose={close}
          onDone={done}
        />
      )}
      {(dialog?.kind === 'withdraw' || dialog?.kind === 'refuse') && (
        <WithdrawDialog
          mode={dialog.kind}
          person={person}
          purpose={dialog.purpose}
          title={titleOf(dialog.purpose)}
          onClose={() => setDialog(null)}
          onDone={done}
        />
      )}
      {dialog?.kind === 'print' && (
        <PrintDialog
          person={person}
          purpose={dialog.purpose}
          title={titleOf(dialog.purpose)}
          onClose={() => setDialog(null)}
          onRecord={(formVersion) => setDialog({ kind: 'paper', purpose: dialog.purpose, formVersion })}
        />
      )}
      {dialog?.kind === 'scan' && <ScanDialog scanId={dialog.scanId} mime={dialog.mime} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <EditPersonDialog person={person} verification={dialog.verification} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'block' && <BlockDialog person={person} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'unblock' && <UnblockDialog person={person} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'markVerify' && <MarkVerifyDialog person={person} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'confirmVerify' && <ConfirmVerifyDialog person={person} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'request' && <RequestDialog person={person} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'destroy' && <DestroyDialog person={person} onClose={() => setDialog(null)} onDone={done} />}
    </div>
  );
}

function BackLink({ onBack }: { onBack: () => void }) {
  const { t } = useTranslation();
  return (
    <p className="breadcrumbs">
      <ActionButton variant="link" onClick={onBack}>
        {t('desk.common.backToSearch')}
      </ActionButton>
    </p>
  );
}

function ConsentActions({
  consent,
  title,
  blockedReason,
  onOpen,
}: {
  consent: PurposeConsent;
  title: string;
  blockedReason: string | null;
  onOpen: (kind: 'paper' | 'print' | 'withdraw' | 'refuse') => void;
}) {
  const { t } = useTranslation();
  const retired = consent.purpose.active ? null : t('desk.consents.retired');
  const active = consent.state === 'active';
  return (
    <div className="row-actions">
      <ActionButton
        small
        onClick={() => onOpen('print')}
        disabledReason={blockedReason ?? retired}
        aria-label={t('desk.consents.printFor', { purpose: title })}
      >
        {t('desk.actions.print')}
      </ActionButton>
      <ActionButton
        small
        onClick={() => onOpen('paper')}
        disabledReason={blockedReason ?? retired}
        aria-label={t('desk.consents.paperFor', { purpose: title })}
      >
        {t('desk.actions.paper')}
      </ActionButton>
      {active ? (
        <ActionButton small onClick={() => onOpen('withdraw')} aria-label={t('desk.consents.withdrawFor', { purpose: title })}>
          {t('desk.actions.withdraw')}
        </ActionButton>
      ) : (
        <ActionButton small onClick={() => onOpen('refuse')} aria-label={t('desk.consents.refuseFor', { purpose: title })} disabledReason={retired}>
          {t('desk.actions.refuse')}
        </ActionButton>
      )}
    </div>
  );
}

function Evidence({ consent, onScan }: { consent: PurposeConsent; onScan: (scanId: number, mime: string) => void }) {
  const { t } = useTranslation();
  const ev = consent.evidence;
  if (!ev) return <span className="cell-note">{t('desk.common.none')}</span>;
  return (
    <div className="evidence">
      <span>
        {t('desk.evidence.given', { date: formatDate(ev.date), channel: t(`desk.channel.${ev.channel}`) })}
        {ev.paperFormNumber && (
          <>
            {' · '}
            <span className="evidence-part">{t('desk.evidence.formNumber', { number: ev.paperFormNumber })}</span>
          </>
        )}
        {ev.formVersion && (
          <>
            {' · '}
            <span className="evidence-part">{t('desk.evidence.formVersion', { version: ev.formVersion })}</span>
          </>
        )}
      </span>
      {ev.receivedBy && <span className="cell-note">{t('desk.evidence.receivedBy', { name: ev.receivedBy.fullName })}</span>}
      {ev.representative && (
        <span className="cell-note">{t('desk.evidence.representative', { name: ev.representative.name, authority: ev.representative.authority })}</span>
      )}
      {ev.scans.map((s) => (
        <ActionButton key={s.id} variant="link" small onClick={() => onScan(s.id, s.mime)}>
          {t('desk.evidence.scan', { size: Math.max(1, Math.round(s.size / 1024)) })}
        </ActionButton>
      ))}
    </div>
  );
}

function Requests({ requests, openCount }: { requests: SubjectRequest[]; openCount: number }) {
  const { t } = useTranslation();
  const shown = useMemo(() => requests.filter((r) => r.status === 'open').concat(requests.filter((r) => r.status !== 'open').slice(0, 10)), [requests]);
  return (
    <>
      {requests.length > 0 && <p className="panel-note">{openCount > 0 ? t('desk.requests.openCount', { count: openCount }) : t('desk.requests.noneOpen')}</p>}
      <Table
        caption={t('desk.requests.title')}
        captionHidden
        rows={shown}
        rowKey={(r) => r.id}
        empty={requests.length === 0 ? t('desk.requests.none') : undefined}
        columns={[
          { id: 'id', header: t('desk.requests.number'), kind: 'nowrap', rowHeader: true, cell: (r) => t('desk.person.number', { id: r.id }) },
          { id: 'type', header: t('desk.requests.type'), cell: (r) => t(`desk.requestType.${r.type}`) },
          { id: 'received', header: t('desk.requests.received'), kind: 'nowrap', cell: (r) => formatDate(r.receivedAt) },
          {
            id: 'due',
            header: t('desk.requests.due'),
            cell: (r) => (
              <>
                <span className="nowrap">{formatDate(r.due)}</span>
                <span className="cell-note">{r.legalRef}</span>
              </>
            ),
          },
          {
            id: 'left',
            header: t('desk.requests.left'),
            cell: (r) =>
              r.status === 'open' ? <DaysLeft info={r} /> : <Chip>{t('desk.requests.closed', { date: r.closedAt ? formatDate(r.closedAt) : '' })}</Chip>,
          },
        ]}
      />
    </>
  );
}
