import { type FormEvent, type RefObject, useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { ValidationKey } from '../forms/validate.ts';

// Keyboard-first: each screen puts the caret where the user types next.
export function useFocusOnMount(ref: RefObject<HTMLElement | null>, when: unknown = true): void {
  useEffect(() => {
    if (when) ref.current?.focus();
  }, [ref, when]);
}

// After a failed submit, the first field that needs attention takes focus.
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

// The submit cycle of a form that checks its fields before calling the register: show every field
// error at once and put the caret on the first; otherwise run the call once at a time, keeping the
// register's refusal for the screen to show. `onFailure` runs after the refusal is on screen.
export function useValidatedSubmit<K extends string>(o: {
  validate: () => Partial<Record<K, ValidationKey | undefined>>;
  run: () => Promise<void>;
  onFailure?: () => void;
}) {
  const [errors, setErrors] = useState<Partial<Record<K, ValidationKey | undefined>>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const clearError = (key: K) => {
    if (errors[key]) setErrors({ ...errors, [key]: undefined });
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const found = o.validate();
    if (Object.values(found).some(Boolean)) {
      flushSync(() => setErrors(found));
      focusFirstInvalid(formRef.current);
      return;
    }
    setErrors({});
    setBusy(true);
    setFailure(null);
    try {
      await o.run();
    } catch (err) {
      flushSync(() => {
        setBusy(false);
        setFailure(err);
      });
      o.onFailure?.();
    }
  };
  return { errors, clearError, busy, failure, formRef, submit };
}
