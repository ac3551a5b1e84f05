// The renderer is browser code that knows the register only by its types (design.md, "Layers"):
// db/ may be imported with `import type` only, and nothing of Node or Electron is imported at all.
// And every string a user reads comes from renderer/i18n/*.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && e.name !== 'vitest.config.ts') out.push(p);
  }
  return out;
}

const files = sources(root).map((p) => ({ name: relative(root, p), text: readFileSync(p, 'utf8') }));

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

// Every static import/export-from with its specifier and whether it is type-only.
function imports(text: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    out.push({ spec: m[4]!, typeOnly: Boolean(m[2]) });
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1]!, typeOnly: false });
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

describe('renderer boundaries', () => {
  it('finds the renderer sources', () => {
    expect(files.map((f) => f.name)).toContain('main.tsx');
    expect(files.length).toBeGreaterThan(10);
  });

  it('takes only types from db/', () => {
    const offenders = files.flatMap((f) =>
      imports(f.text)
        .filter((i) => /(^|\/)db\//.test(i.spec) && !i.typeOnly)
        .map((i) => `${f.name}: ${i.spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('imports nothing of Node or Electron', () => {
    const offenders = files.flatMap((f) =>
      imports(f.text)
        .filter((i) => i.spec.startsWith('node:') || i.spec === 'electron' || /(^|\/)electron\//.test(i.spec))
        .map((i) => `${f.name}: ${i.spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('has no user-visible text outside the translation files', () => {
    // The HTTP client's transport errors are the register's kind of message (Russian, with a
    // code); the UI translates them by code. Vite's config is not shown to anyone.
    const exempt = new Set(['api/http-client.ts']);
    const found: string[] = [];
    for (const f of files) {
      if (exempt.has(f.name)) continue;
      const code = withoutComments(f.text);
      for (const m of code.matchAll(/[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі][^'"`<>\n]*/g)) found.push(`${f.name}: ${m[0].slice(0, 40)}`);
      if (f.name.endsWith('.tsx')) {
        // JSX text between tags: only whitespace, punctuation or {expressions} may appear there.
        for (const m of code.matchAll(/>([^<>{}]*[A-Za-z][^<>{}]*)<\//g)) found.push(`${f.name}: ${m[1]!.trim().slice(0, 40)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
