// A modal dialog on the native <dialog> element: the browser makes the rest of the page inert,
// keeps Tab inside, and reports Esc as a "cancel" event, which this component turns into onClose.
// Mounting it opens it; unmounting closes it and gives focus back to whatever had it before.
//
//   {open && (
//     <Dialog title={t('…')} onClose={() => setOpen(false)} onSubmit={save} busy={saving}
//       footer={<DialogButtons submitLabel={t('…')} onCancel={() => setOpen(false)} busy={saving} />}>
//       <Field … />
//     </Dialog>
//   )}
//
// With onSubmit the body and footer are one <form> (Enter in a field submits). `busy` blocks Esc
// and the close button while a call is running, so a half-sent action is not abandoned.
import { type FormEvent, type ReactNode, type RefObject, useEffect, useId, useLayoutEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  onSubmit?: (e: FormEvent<HTMLFormElement>) => void;
  // Focus on open; by default the first field, else the first button of the footer.
  initialFocus?: RefObject<HTMLElement | null>;
  busy?: boolean;
  size?: 'normal' | 'wide';
  tone?: 'normal' | 'danger';
  // A short line under the title, read by screen readers with it.
  description?: string;
  testId?: string;
}

const focusableSelector = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])';

export function Dialog({
  title,
  onClose,
  children,
  footer,
  onSubmit,
  initialFocus,
  busy = false,
  size = 'normal',
  tone = 'normal',
  description,
  testId,
}: DialogProps) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();
  const busyRef = useRef(busy);
  busyRef.current = busy;
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const target =
      initialFocus?.current ??
      dialog.querySelector<HTMLElement>(`.dialog-body ${focusableSelector}`) ??
      dialog.querySelector<HTMLElement>('.dialog-footer button');
    target?.focus();
    return () => {
      if (dialog.open) dialog.close();
      // The element that opened the dialog may have gone (a list re-rendered): then nothing to do.
      if (before?.isConnected) before.focus();
    };
  }, [initialFocus]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const onCancel = (e: Event) => {
      e.preventDefault();
      if (!busyRef.current) closeRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => dialog.removeEventListener('cancel', onCancel);
  }, []);

  const body = (
    <>
      <div className="dialog-body">{children}</div>
      {footer && <div className="dialog-footer">{footer}</div>}
    </>
  );
  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${size}${tone === 'danger' ? ' dialog-danger' : ''}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descId : undefined}
      aria-busy={busy || undefined}
      data-testid={testId}
    >
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="dialog-close" onClick={() => !busy && onClose()} aria-label={t('common.close')} disabled={busy}>
          <span aria-hidden="true">×</span>
        </button>
      </header>
      {description && (
        <p id={descId} className="dialog-description">
          {description}
        </p>
      )}
      {onSubmit ? (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!busy) onSubmit(e);
          }}
        >
          {body}
        </form>
      ) : (
        body
      )}
    </dialog>
  );
}

// The usual footer of a form dialog: Cancel, then the action.
export function DialogButtons({
  submitLabel,
  busyLabel,
  onCancel,
  busy = false,
  danger = false,
  submitDisabled = false,
}: {
  submitLabel: string;
  busyLabel?: string;
  onCancel: () => void;
  busy?: boolean;
  danger?: boolean;
  submitDisabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <button type="button" className="button" onClick={onCancel} disabled={busy}>
        {t('common.cancel')}
      </button>
      <button type="submit" className={`button ${danger ? 'button-danger' : 'button-primary'}`} disabled={busy || submitDisabled}>
        {busy ? (busyLabel ?? t('common.working')) : submitLabel}
      </button>
    </>
  );
}

// Focus the first field marked invalid inside a dialog's form, after React has drawn the errors.
export function focusFirstInvalidIn(root: HTMLElement | null): void {
  root?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
