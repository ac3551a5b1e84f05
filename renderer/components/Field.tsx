// Labelled form controls with their hint and their error right under them. The error is tied to
// the control with aria-describedby and aria-invalid, so a screen reader reads it when the control
// takes focus. One frame (FieldFrame) for all of them:
//   <Field label=… value=… onChange=… error=… hint=… optional />            text input
//   <SelectField label=… value=… onChange=… options={[{value, label}]} />    select
//   <TextAreaField label=… value=… onChange=… rows={3} />                    textarea
// `error` is a validation key ('validation.required') or a sentence already translated.
import { type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes, type TextareaHTMLAttributes, useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { ValidationKey } from '../forms/validate.ts';

interface FrameProps {
  label: string;
  hint?: string;
  error?: ValidationKey | string;
  optional?: boolean;
  wide?: 'full' | 'half';
}

interface ControlIds {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
}

export function FieldFrame({ label, hint, error, optional, wide = 'full', children }: FrameProps & { children: (ids: ControlIds) => ReactNode }) {
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
      {children({ id, describedBy, invalid: Boolean(error) })}
      {error && (
        <p id={errorId} className="field-error">
          {error.startsWith('validation.') ? t(error as ValidationKey) : error}
        </p>
      )}
    </div>
  );
}

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>, FrameProps {
  ref?: Ref<HTMLInputElement>;
}

export function Field({ label, hint, error, optional, wide, className, ref, ...input }: FieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} optional={optional} wide={wide}>
      {({ id, describedBy, invalid }) => (
        <input
          ref={ref}
          id={id}
          className={className}
          aria-invalid={invalid || undefined}
          aria-required={optional ? undefined : true}
          aria-describedby={describedBy}
          {...input}
        />
      )}
    </FieldFrame>
  );
}

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'>, FrameProps {
  options: readonly SelectOption[];
  // A first entry with an empty value ("— выберите —"), for a choice that must be made on purpose.
  placeholder?: string;
  ref?: Ref<HTMLSelectElement>;
}

export function SelectField({ label, hint, error, optional, wide, options, placeholder, ref, ...select }: SelectFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} optional={optional} wide={wide}>
      {({ id, describedBy, invalid }) => (
        <select ref={ref} id={id} aria-invalid={invalid || undefined} aria-required={optional ? undefined : true} aria-describedby={describedBy} {...select}>
          {placeholder !== undefined && <option value="">{placeholder}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

export interface TextAreaFieldProps extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'>, FrameProps {
  ref?: Ref<HTMLTextAreaElement>;
}

export function TextAreaField({ label, hint, error, optional, wide, ref, rows = 3, ...area }: TextAreaFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} optional={optional} wide={wide}>
      {({ id, describedBy, invalid }) => (
        <textarea
          ref={ref}
          id={id}
          rows={rows}
          aria-invalid={invalid || undefined}
          aria-required={optional ? undefined : true}
          aria-describedby={describedBy}
          {...area}
        />
      )}
    </FieldFrame>
  );
}
