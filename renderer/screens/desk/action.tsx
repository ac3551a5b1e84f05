// What every desk dialog does with its one call: busy while it runs, the register's refusal shown
// inside the dialog (focus moves to it), the dialog closed and the card told on success.
import { type ReactNode, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { errorCode } from '../../api/errors.ts';
import { ErrorBox } from '../../components/Messages.tsx';

export interface ActionState {
  busy: boolean;
  error: unknown;
  run<T>(call: () => Promise<T>, onDone: (value: T) => void): Promise<void>;
  clear(): void;
  // Where the error is drawn (inside the dialog's body).
  errorBox: ReactNode;
}

export function useAction(): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const running = useRef(false);
  return {
    busy,
    error,
    clear: () => setError(null),
    run: async (call, onDone) => {
      if (running.current) return;
      running.current = true;
      setBusy(true);
      setError(null);
      try {
        const value = await call();
        running.current = false;
        setBusy(false);
        onDone(value);
      } catch (err) {
        running.current = false;
        flushSync(() => {
          setBusy(false);
          setError(err);
        });
        boxRef.current?.scrollIntoView({ block: 'nearest' });
      }
    },
    errorBox:
      error === null ? null : (
        <div ref={boxRef}>
          <ErrorBox error={error} />
        </div>
      ),
  };
}

export function isCode(err: unknown, code: string): boolean {
  return errorCode(err) === code;
}

// Reads a chosen file as base64 for the register (scans cross the host as text).
export function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result ?? '');
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
