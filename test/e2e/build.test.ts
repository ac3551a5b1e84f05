// The built renderer must run under both hosts' policy (`script-src 'self'; style-src 'self'`) and
// from both origins (app://privacy-desk/ and http://127.0.0.1:<port>/): no inline script or style,
// no event-handler attributes, every asset by a relative URL inside out/renderer/.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/browser-host.ts';
import { ensureRendererBuilt, rendererOut } from './support/build.ts';

describe('renderer build (out/renderer)', () => {
  let html = '';
  let scripts: string[] = [];

  beforeAll(async () => {
    await ensureRendererBuilt();
    html = readFileSync(join(rendererOut, 'index.html'), 'utf8');
    scripts = readdirSync(join(rendererOut, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(rendererOut, 'assets', f), 'utf8'));
  }, 180_000);

  it('has no inline script, inline style or event-handler attribute', () => {
    const scriptTags = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scriptTags.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scriptTags) {
      expect(attrs).toMatch(/\bsrc="\.\/assets\/[\w.-]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
  });

  it('refers to its assets by relative URLs that exist', () => {
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) {
      expect(url).toMatch(/^\.\/assets\//);
      expect(existsSync(join(rendererOut, url))).toBe(true);
    }
    expect(html).toMatch(/<link rel="stylesheet"[^>]*href="\.\/assets\/[\w.-]+\.css"/);
  });

  it('carries the hosts’ policy in a meta tag as well', () => {
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    // frame-ancestors is ignored in a meta policy; the hosts send it as a header.
    expect(meta).toBe(contentSecurityPolicy.replace(/; frame-ancestors 'none'/, ''));
  });

  it('needs neither eval nor remote code', () => {
    for (const js of scripts) {
      expect(js).not.toMatch(/\beval\(|new Function\(/);
      expect(js).not.toMatch(/\bimport\(\s*["']https?:/);
    }
    expect(scripts.join('\n')).toContain('react.transitional.element');
  });
});
