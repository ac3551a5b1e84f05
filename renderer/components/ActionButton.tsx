// A button that can be unavailable FOR A REASON (a blocked record, a missing permission): it stays
// focusable and announced as disabled (aria-disabled), and the reason is its description and
// tooltip, so a keyboard or screen-reader user learns why, not just that it does nothing.
import { type ButtonHTMLAttributes, type Ref, useId } from 'react';

export interface ActionButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  disabledReason?: string | null;
  variant?: 'primary' | 'secondary' | 'danger' | 'link';
  small?: boolean;
  ref?: Ref<HTMLButtonElement>;
}

export function ActionButton({
  disabledReason,
  variant = 'secondary',
  small = false,
  className,
  onClick,
  children,
  ref,
  type = 'button',
  title,
  'aria-describedby': describedBy,
  ...rest
}: ActionButtonProps) {
  const reasonId = useId();
  const unavailable = Boolean(disabledReason);
  const classes = [
    variant === 'link' ? 'link-button' : 'button',
    variant === 'primary' ? 'button-primary' : variant === 'danger' ? 'button-danger' : '',
    small ? 'button-small' : '',
    unavailable ? 'is-unavailable' : '',
    className ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <>
      <button
        ref={ref}
        type={type}
        className={classes}
        aria-disabled={unavailable || undefined}
        aria-describedby={unavailable ? reasonId : describedBy}
        title={unavailable ? (disabledReason ?? undefined) : title}
        {...rest}
        onClick={(e) => {
          if (unavailable) {
            e.preventDefault();
            return;
          }
          onClick?.(e);
        }}
      >
        {children}
      </button>
      {unavailable && (
        <span id={reasonId} className="visually-hidden">
          {disabledReason}
        </span>
      )}
    </>
  );
}
