import { useEffect, useRef } from 'react';

// The screen's heading, focused on arrival so a keyboard or screen-reader user starts at the top
// of the new screen after choosing it in the navigation.
export function ScreenTitle({ title, lead }: { title: string; lead?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <header className="office-head">
      <h1 ref={ref} tabIndex={-1}>
        {title}
      </h1>
      {lead && <p className="lead">{lead}</p>}
    </header>
  );
}
