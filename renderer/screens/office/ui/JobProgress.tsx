// A running long operation: a progress bar (indeterminate until the host says how much there is),
// the count, and Cancel. Cancelling asks the host to stop; nothing is left half-written.
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobState } from '../jobs.ts';

export function JobProgress({ state, label, onCancel }: { state: JobState; label: string; onCancel?: () => void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  if (state.status !== 'running') return null;
  const n = new Intl.NumberFormat(i18n.resolvedLanguage ?? 'ru');
  const known = state.total !== undefined && state.total > 0;
  const text = known
    ? t('office.job.progressOf', { done: n.format(state.done), total: n.format(state.total ?? 0) })
    : state.done > 0
      ? t('office.job.progress', { done: n.format(state.done) })
      : t('office.job.starting');
  return (
    <div className="office-job" data-testid="job-progress">
      <p id={id} className="office-job-label">
        {label}
      </p>
      <div className="office-job-row">
        {known ? <progress aria-labelledby={id} max={state.total} value={Math.min(state.done, state.total ?? 0)} /> : <progress aria-labelledby={id} />}
        <span className="office-job-count">{text}</span>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            {t('office.job.cancel')}
          </button>
        )}
      </div>
    </div>
  );
}
