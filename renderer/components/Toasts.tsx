// The live region that shows the toasts of renderer/state/toast.ts. Rendered once by the workspace
// frame (AppFrame); screens only call toast.success(…) and friends. A polite live region without a
// role, so it never competes with a screen's own role="status" line.
import { useTranslation } from 'react-i18next';
import { useToasts } from '../state/toast.ts';

export function Toasts() {
  const { t } = useTranslation();
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className="toasts no-print" aria-live="polite" aria-relevant="additions text">
      {toasts.map((item) => (
        <div key={item.id} className={`toast toast-${item.tone}`} data-testid="toast">
          <p className="toast-text">{item.text}</p>
          {item.action && (
            <button
              type="button"
              className="button toast-action"
              onClick={() => {
                dismiss(item.id);
                item.action?.run();
              }}
            >
              {item.action.label}
            </button>
          )}
          <button type="button" className="toast-close" onClick={() => dismiss(item.id)} aria-label={t('common.dismiss')}>
            <span aria-hidden="true">×</span>
          </button>
        </div>
      ))}
    </div>
  );
}
