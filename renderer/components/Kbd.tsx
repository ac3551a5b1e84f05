// A key the user can press, shown as a keycap ("F2", "Esc").
export function Kbd({ children }: { children: string }) {
  return <kbd className="kbd">{children}</kbd>;
}
