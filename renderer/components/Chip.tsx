// A small status label ("Заблокирован", "Действует", "2 раб. дня"). The tone carries the colour;
// the text must say the same thing on its own, since colour alone tells a screen reader nothing.
import type { ReactNode } from 'react';

export type ChipTone = 'ok' | 'warn' | 'danger' | 'info' | 'neutral';

export function Chip({ tone = 'neutral', children, title, className }: { tone?: ChipTone; children: ReactNode; title?: string; className?: string }) {
  return (
    <span className={`chip chip-${tone}${className ? ` ${className}` : ''}`} title={title}>
      {children}
    </span>
  );
}
