// A date typed as ДД.ММ.ГГГГ in every language (the format of the clinic's paper), handed to the
// caller as the register's YYYY-MM-DD. The caller keeps the text (so a half-typed date survives a
// re-render) and reads the ISO date with displayToIso when submitting:
//   const [date, setDate] = useState(isoToDisplay(todayIso()));
//   <DateField label=… value={date} onChange={setDate} error=… />
//   const iso = displayToIso(date);  // null: show 'validation.date'
import type { Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { ValidationKey } from '../forms/validate.ts';
import { Field } from './Field.tsx';

export interface DateFieldProps {
  label: string;
  value: string;
  onChange: (text: string) => void;
  hint?: string;
  error?: ValidationKey | string;
  optional?: boolean;
  wide?: 'full' | 'half';
  ref?: Ref<HTMLInputElement>;
  name?: string;
}

export function DateField({ label, value, onChange, hint, error, optional, wide = 'half', ref, name }: DateFieldProps) {
  const { t } = useTranslation();
  return (
    <Field
      ref={ref}
      label={label}
      hint={hint ?? t('common.dateHint')}
      error={error}
      optional={optional}
      wide={wide}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      inputMode="numeric"
      autoComplete="off"
      placeholder={t('common.datePlaceholder')}
      maxLength={10}
      className="input-date"
      name={name}
    />
  );
}
