import { type InputHTMLAttributes, type Ref, useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { ValidationKey } from '../forms/validate.ts';

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: string;
  hint?: string;
  error?: ValidationKey | string;
  optional?: boolean;
  // Extra class for the wrapper (e.g. a narrow field).
  wide?: 'full' | 'half';
  ref?: Ref<HTMLInputElement>;
}

// A labelled input with its hint and its error right under it. The error is tied to the input with
// aria-describedby and aria-invalid, so a screen reader reads it when the field takes focus.
export function Field({ label, hint, error, optional, wide = 'full', className, ref, ...input }: FieldProps) {
  const { t } = useTranslation();
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field field-${wide}${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="field-optional"> ({t('common.optional')})</span>}
      </label>
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      <input
        ref={ref}
        id={id}
        className={className}
        aria-invalid={error ? true : undefined}
        aria-required={optional ? undefined : true}
        aria-describedby={describedBy}
        {...input}
      />
      {error && (
        <p id={errorId} className="field-error">
          {error.startsWith('validation.') ? t(error as ValidationKey) : error}
        </p>
      )}
    </div>
  );
}
