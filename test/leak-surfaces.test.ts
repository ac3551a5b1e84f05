import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The places besides files where a name could show on a reception PC: the browser tab's title and
// task switcher (browser mode; the Electron window's own title is pinned in electron/window.test.ts),
// and what the page keeps in the browser profile (localStorage survives the session, unencrypted).
// Both are decided in the renderer's source, so the source is what is checked: no code sets the
// page title, and the only thing written to storage is the language code.

const root = fileURLToPath(new URL('..', import.meta.url));
const rendererDir = join(root, 'renderer');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules') return [];
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|tsx|html)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

// Code only: a comment that mentions document.title is not a write to it.
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

// What the checks below look for, so a test can show they find it.
function titleWrites(text: string): string[] {
  return [...code(text).matchAll(/document\s*\.\s*title\s*=(?!=)|<title\b|useDocumentTitle|\.title\s*=\s*[^=]/g)].map((m) => m[0]);
}
function storageWrites(text: string): string[] {
  return [...code(text).matchAll(/(localStorage|sessionStorage|indexedDB|document\s*\.\s*cookie\s*=|caches\s*\.\s*open)[^\n;]*/g)].map((m) => m[0]);
}

describe('the page keeps names out of the tab title and the browser profile', () => {
  const files = sources(rendererDir);

  it('the finders find what they look for', () => {
    expect(titleWrites('document.title = person.fullName + " — карточка";')).toHaveLength(1);
    expect(titleWrites('// document.title = x;\nconst a = 1;')).toEqual([]);
    expect(storageWrites('localStorage.setItem("last", person.fullName)')).toHaveLength(1);
    expect(storageWrites('const x = 1;')).toEqual([]);
  });

  it('the tab title is the product name only: one static <title>, and no code changes it', () => {
    expect(files.length).toBeGreaterThan(20);
    const writes = files.flatMap((f) => titleWrites(readFileSync(f, 'utf8')).map((w) => `${relative(root, f)}: ${w}`));
    expect(writes).toEqual(['renderer/index.html: <title']);
    expect(readFileSync(join(rendererDir, 'index.html'), 'utf8')).toContain('<title>Privacy Desk</title>');
  });

  it('browser storage holds the interface language and nothing else', () => {
    const uses = files.flatMap((f) => storageWrites(readFileSync(f, 'utf8')).map((w) => `${relative(root, f)}: ${w.trim()}`));
    expect(uses).toEqual(['renderer/i18n/index.ts: localStorage?.getItem(storageKey)', 'renderer/i18n/index.ts: localStorage?.setItem(storageKey, lng)']);
    // …and lng is checked against the three language codes before it is used.
    expect(readFileSync(join(rendererDir, 'i18n', 'index.ts'), 'utf8')).toMatch(/export async function setLanguage\(lng: Language\)/);
  });
});
