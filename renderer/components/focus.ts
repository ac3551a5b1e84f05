import { type RefObject, useEffect } from 'react';

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
