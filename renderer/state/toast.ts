// Short confirmations after an action ("Согласие записано"), shown in one corner of the workspace
// and read out politely by screen readers. Errors that need a decision stay in their dialog or
// screen (ErrorBox); a toast is for news that needs none.
//
//   import { toast } from '../state/toast.ts';
//   toast.success(t('…'));
//   toast.info(t('…'), { label: t('…'), run: () => … });   // with one action button
import { create } from 'zustand';

export type ToastTone = 'success' | 'info' | 'warning' | 'error';

export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  tone: ToastTone;
  text: string;
  action?: ToastAction;
}

interface ToastState {
  toasts: Toast[];
  push(tone: ToastTone, text: string, action?: ToastAction): number;
  dismiss(id: number): void;
  clear(): void;
}

// Long enough to read a sentence twice; a toast with an action stays until used or dismissed.
export const toastLifetimeMs = 7000;
const maxShown = 4;
let nextId = 1;

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push: (tone, text, action) => {
    const id = nextId++;
    set({ toasts: [...get().toasts, { id, tone, text, action }].slice(-maxShown) });
    if (!action) setTimeout(() => get().dismiss(id), toastLifetimeMs);
    return id;
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
  clear: () => set({ toasts: [] }),
}));

export const toast = {
  success: (text: string, action?: ToastAction) => useToasts.getState().push('success', text, action),
  info: (text: string, action?: ToastAction) => useToasts.getState().push('info', text, action),
  warning: (text: string, action?: ToastAction) => useToasts.getState().push('warning', text, action),
  error: (text: string, action?: ToastAction) => useToasts.getState().push('error', text, action),
};
