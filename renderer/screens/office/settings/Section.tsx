import type { ReactNode } from 'react';
import { useId } from 'react';

// One settings section, labelled by its heading. The heading is focusable: SettingsScreen moves the
// focus there when the user picks a section, so the keyboard continues from the top of it.
export function Section({
  title,
  lead,
  children,
  testId,
  actions,
}: {
  title: string;
  lead?: string;
  children: ReactNode;
  testId?: string;
  actions?: ReactNode;
}) {
  const id = useId();
  return (
    <section className="office-section" aria-labelledby={id} data-testid={testId}>
      <div className="office-section-head">
        <h2 id={id} tabIndex={-1} className="office-section-title">
          {title}
        </h2>
        {actions && <div className="office-section-actions">{actions}</div>}
      </div>
      {lead && <p className="office-note">{lead}</p>}
      {children}
    </section>
  );
}
