import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports point downward only (design.md, "Layers and the one seam"):
//   renderer → types of db (and of electron's bridge); electron → db; db → neither.
// The renderer runs in a sandboxed page: no Node built-ins, no Electron, no value from db/.
// db/ and electron/ are Node code: no DOM types, so a `window` or `document` there is a type error.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const layers = ['db', 'electron', 'renderer'] as const;
type Layer = (typeof layers)[number];
const sourceExt = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const skipDirs = new Set(['node_modules', 'dist', 'out', 'build', 'coverage']);

interface Import {
  spec: string;
  typeOnly: boolean;
  line: number;
}

// Comments out, strings and template literals kept (module names live in them), regex literals
// skipped so a quote inside one does not derail the scan. Newlines are kept for line numbers.
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  let lastSignificant = '';
  while (i < src.length) {
    const c = src[i] as string;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (c !== '`' && src[j] === '\n') break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
      lastSignificant = c;
      continue;
    }
    if (c === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) || /\b(?:return|typeof|case|in|of)$/.test(out.trimEnd()))) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n') {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '/' && !inClass) break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
      lastSignificant = '/';
      continue;
    }
    if (!/\s/.test(c)) lastSignificant = c;
    out += c;
    i++;
  }
  return out;
}

const clause = String.raw`(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)`;
const fromRe = new RegExp(String.raw`\b(import|export)\s+(type\s+)?${clause}\s*from\s*(['"])([^'"\n]+)\3`, 'g');
const bareRe = /\bimport\s*(['"])([^'"\n]+)\1/g;
const dynamicRe = /\b(import|require)\s*\(\s*(['"`])([^'"`\n]+)\2\s*\)(\s*\.\s*[\w$]+)?/g;

function scanImports(source: string): Import[] {
  const code = stripComments(source);
  const lineOf = (index: number) => code.slice(0, index).split('\n').length;
  const found: Import[] = [];
  for (const m of code.matchAll(fromRe)) found.push({ spec: m[4] as string, typeOnly: Boolean(m[2]), line: lineOf(m.index) });
  for (const m of code.matchAll(bareRe)) found.push({ spec: m[2] as string, typeOnly: false, line: lineOf(m.index) });
  for (const m of code.matchAll(dynamicRe)) {
    // `import('x').Name` names a type; `await import('x')` and `import('x').then` load code.
    const member = m[4]?.replace(/[\s.]/g, '');
    const typeOnly = m[1] === 'import' && member !== undefined && !['then', 'catch', 'finally'].includes(member);
    found.push({ spec: m[3] as string, typeOnly, line: lineOf(m.index) });
  }
  return found;
}

// The layer a specifier lands in, or the package it names.
function target(file: string, spec: string): { layer?: Layer; pkg?: string } {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const rel = relative(root, resolve(root, dirname(file), spec));
    const top = rel.split(sep)[0] as string;
    return (layers as readonly string[]).includes(top) && !rel.startsWith('..') ? { layer: top as Layer } : {};
  }
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
  return { pkg };
}

const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

// `file` is relative to the repository root, e.g. "db/audit.ts".
function violations(file: string, source: string): string[] {
  const layer = file.split('/')[0] as Layer;
  const problems: string[] = [];
  const isTest = /\.test\.[cm]?[jt]sx?$/.test(file);
  const isConfig = /(?:^|\/)[\w.-]+\.config\.[cm]?[jt]s$/.test(file);
  if (layer !== 'renderer' && /\/\/\/\s*<reference\s+lib\s*=\s*["']dom/i.test(source)) {
    problems.push(`${file}: pulls in DOM types with a triple-slash reference`);
  }
  for (const imp of scanImports(source)) {
    const t = target(file, imp.spec);
    const where = `${file}:${imp.line} imports '${imp.spec}'`;
    if (layer === 'db') {
      if (t.layer === 'electron' || t.layer === 'renderer') problems.push(`${where}: db/ must not depend on ${t.layer}/`);
      if (t.pkg === 'electron') problems.push(`${where}: db/ is plain Node, no Electron`);
    } else if (layer === 'electron') {
      if (t.layer === 'renderer') problems.push(`${where}: electron/ must not depend on renderer/`);
    } else if (layer === 'renderer') {
      if ((t.layer === 'db' || t.layer === 'electron') && !imp.typeOnly)
        problems.push(`${where}: renderer/ may take only types from ${t.layer}/ (import type)`);
      if (t.pkg === 'electron' && !imp.typeOnly) problems.push(`${where}: the renderer has no Electron`);
      if (t.pkg && nodeBuiltins.has(t.pkg) && !isTest && !isConfig) problems.push(`${where}: the renderer has no Node built-ins`);
    }
  }
  return problems;
}

// tsconfig files are JSON with comments and trailing commas.
function domInLib(tsconfigText: string): boolean {
  const json = JSON.parse(stripComments(tsconfigText).replace(/,(\s*[}\]])/g, '$1')) as { compilerOptions?: { lib?: string[] } };
  return (json.compilerOptions?.lib ?? []).some((l) => /^dom(\.|$)/i.test(l));
}

function sourceFiles(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return skipDirs.has(e.name) ? [] : sourceFiles(rel);
    return sourceExt.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

describe('layering of the real tree', () => {
  const files = layers.flatMap((l) => sourceFiles(l));

  it('finds the sources and their imports', () => {
    expect(files.filter((f) => f.startsWith('db/')).length).toBeGreaterThan(20);
    const imports = files.flatMap((f) => scanImports(readFileSync(join(root, f), 'utf8')));
    expect(imports.length).toBeGreaterThan(100);
    // A known edge: the connection module imports the migrations.
    expect(scanImports(readFileSync(join(root, 'db/connection.ts'), 'utf8')).map((i) => i.spec)).toContain('./migrations/index.ts');
  });

  it('imports only point down', () => {
    const problems = files.flatMap((f) => violations(f, readFileSync(join(root, f), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('the Node tsconfig has no DOM lib', () => {
    const text = readFileSync(join(root, 'tsconfig.json'), 'utf8');
    expect(domInLib(text)).toBe(false);
    const json = JSON.parse(stripComments(text).replace(/,(\s*[}\]])/g, '$1')) as { compilerOptions: { lib: string[] }; include: string[] };
    // The lib is set explicitly (the default would include DOM) and covers db/ and electron/.
    expect(json.compilerOptions.lib.length).toBeGreaterThan(0);
    expect(json.include).toEqual(expect.arrayContaining(['db', 'electron']));
  });
});

describe('the scanner catches planted violations', () => {
  it('db/ importing electron/ or renderer/, in every import form', () => {
    const planted = [
      "import { createHost } from '../electron/host-core.ts';",
      "import {\n  a,\n  b,\n} from '../renderer/app.tsx';",
      "import * as host from '../electron/host-core.ts';",
      "import x, { y } from '../renderer/api/client.ts';",
      "import '../electron/start.ts';",
      "export * from '../renderer/app.tsx';",
      "export { a } from '../electron/x.ts';",
      "const m = await import('../electron/host-core.ts');",
      'const m = await import(`../renderer/x.ts`);',
      "import type { Host } from '../electron/host-core.ts';",
      "import { app } from 'electron';",
    ];
    for (const src of planted) expect(violations('db/foo.ts', src), src).toHaveLength(1);
    // Paths resolve from the importing file: from db/engine/, '../electron' is still inside db/.
    expect(violations('db/engine/foo.ts', "import { h } from '../electron/h.ts';")).toEqual([]);
    expect(violations('db/engine/foo.ts', "import { h } from '../../electron/h.ts';")).toHaveLength(1);
    expect(violations('db/a.ts', "import { app } from 'electron';")[0]).toMatch(/^db\/a\.ts:1 imports 'electron'/);
  });

  it('reports the line of the offending import', () => {
    expect(violations('db/a.ts', "import { z } from 'zod';\n\n\nimport { h } from '../electron/h.ts';")).toEqual([
      "db/a.ts:4 imports '../electron/h.ts': db/ must not depend on electron/",
    ]);
  });

  it('ignores imports in comments but not after strings or regexes that look like comments', () => {
    expect(violations('db/a.ts', "// import { h } from '../electron/h.ts';\n/* import '../renderer/x.ts'; */")).toEqual([]);
    expect(violations('db/a.ts', "const u = 'http://x'; import { h } from '../electron/h.ts';")).toHaveLength(1);
    expect(violations('db/a.ts', "const r = /'/g; const s = \"it's\"; import { h } from '../electron/h.ts';")).toHaveLength(1);
    expect(violations('db/a.ts', "const r = x.replace(/[/*]/g, ''); import { h } from '../electron/h.ts'; // */")).toHaveLength(1);
  });

  it('db/ may import within db/ and packages; electron/ may import db/ but not renderer/', () => {
    expect(violations('db/a.ts', "import { x } from './b.ts';\nimport { z } from 'zod';\nimport { readFileSync } from 'node:fs';")).toEqual([]);
    expect(violations('electron/main.ts', "import { dispatch } from '../db/api.ts';\nimport { app } from 'electron';")).toEqual([]);
    expect(violations('electron/main.ts', "import { App } from '../renderer/app.tsx';")).toHaveLength(1);
    expect(violations('electron/preload.ts', "import type { Client } from '../renderer/api/client.ts';")).toHaveLength(1);
  });

  it('renderer/ takes only types from db/, and no Node or Electron', () => {
    expect(
      violations(
        'renderer/api/client.ts',
        "import type { OperationName } from '../../db/api.ts';\nexport type { Actor } from '../../db/context.ts';\ntype R = import('../../db/api.ts').Operations;",
      ),
    ).toEqual([]);
    for (const src of [
      "import { dispatch } from '../../db/api.ts';",
      "import { type OperationName } from '../../db/api.ts';",
      "export { errorMessages } from '../../db/errors.ts';",
      "import '../../db/api.ts';",
      "import { readFileSync } from 'node:fs';",
      "import { ipcRenderer } from 'electron';",
      "const api = await import('../../db/api.ts');",
      "import('../../db/api.ts').then((m) => m.dispatch);",
    ]) {
      expect(violations('renderer/pages/app.tsx', src), src).toHaveLength(1);
    }
  });

  it('DOM types in the Node code are caught', () => {
    expect(violations('db/a.ts', '/// <reference lib="dom" />\nexport {};')).toHaveLength(1);
    expect(domInLib('{\n  // Node only\n  "compilerOptions": { "lib": ["es2023", "DOM"], },\n}')).toBe(true);
    expect(domInLib('{ "compilerOptions": { "lib": ["ES2023", "dom.iterable"] } }')).toBe(true);
    expect(domInLib('{ "compilerOptions": { "lib": ["es2023"] } }')).toBe(false);
  });
});
