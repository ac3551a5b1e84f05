// A file chooser that speaks the interface language: the browser's own button says "Choose File"
// in the browser's language, whatever the app's. The real <input type="file"> stays in the page
// (focusable, labelled, announced); what the eye sees is a button-like label and the chosen name.
import { type Ref, useId } from 'react';
import { useTranslation } from 'react-i18next';

export interface FileFieldProps {
  label: string;
  hint?: string;
  error?: string;
  optional?: boolean;
  accept?: string;
  file: File | null;
  onChange: (file: File | null) => void;
  ref?: Ref<HTMLInputElement>;
}

export function FileField({ label, hint, error, optional, accept, file, onChange, ref }: FileFieldProps) {
  const { t } = useTranslation();
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const nameId = `${id}-name`;
  return (
    <div className={`field field-full field-file${error ? ' field-invalid' : ''}`}>
      <span className="field-label" id={`${id}-label`}>
        {label}
        {optional && <span className="field-optional"> ({t('common.optional')})</span>}
      </span>
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      <div className="file-row">
        <input
          ref={ref}
          id={id}
          type="file"
          className="file-input"
          accept={accept}
          aria-labelledby={`${id}-label`}
          aria-describedby={[nameId, errorId, hintId].filter(Boolean).join(' ')}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(e.target.files?.[0] ?? null)}
        />
        <label htmlFor={id} className="button button-small file-button" aria-hidden="true">
          {t('common.chooseFile')}
        </label>
        <span id={nameId} className="file-name">
          {file ? file.name : t('common.noFile')}
        </span>
        {file && (
          <button type="button" className="link-button button-small" onClick={() => onChange(null)}>
            {t('common.removeFile')}
          </button>
        )}
      </div>
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
