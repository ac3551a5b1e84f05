// Paths typed or suggested in the page. The page never touches the disk: it only proposes a name
// in the folder the host suggested, and the register checks the path when it writes.

export function joinPath(dir: string, name: string, separator: '/' | '\\'): string {
  const trimmed = dir.endsWith(separator) ? dir.slice(0, -1) : dir;
  return `${trimmed}${separator}${name}`;
}

export function baseName(path: string): string {
  const parts = path.split(/[/\\]/);
  return parts[parts.length - 1] ?? path;
}

// Absolute on the host's OS: /… on Unix; C:\… or \\server\share on Windows.
export function looksAbsolute(path: string, separator: '/' | '\\'): boolean {
  const p = path.trim();
  if (separator === '/') return p.startsWith('/');
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

// Swap a file's extension (the format changed after the name was suggested or typed).
export function withExtension(path: string, extension: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? path.slice(0, path.length - name.length + dot) : path;
  return `${stem}.${extension}`;
}

// Stable, Latin file names: they travel to inspectors, archives and other systems.
export function suggestedName(stem: string, o: { from?: string | null; to?: string | null; today: string; extension?: string }): string {
  const period = o.from || o.to ? `_${o.from ?? 'start'}_${o.to ?? o.today}` : `_${o.today}`;
  return `${stem}${period}${o.extension ? `.${o.extension}` : ''}`;
}

export function formatBytes(bytes: number, units: readonly [string, string, string, string], locale = 'ru'): string {
  const steps: Array<[number, string]> = [
    [1024 ** 3, units[3]],
    [1024 ** 2, units[2]],
    [1024, units[1]],
  ];
  for (const [size, unit] of steps) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${new Intl.NumberFormat(locale, { maximumFractionDigits: value >= 100 ? 0 : 1 }).format(value)} ${unit}`;
    }
  }
  return `${bytes} ${units[0]}`;
}
