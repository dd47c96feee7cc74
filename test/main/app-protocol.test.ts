/** losslab:// against hostile paths: every answer a response with nosniff, never a throw. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeElectron, protocolFake } from '../helpers/fake-electron';

const fetched: string[] = [];
vi.mock('electron', () => {
  const fake = fakeElectron();
  return {
    ...fake,
    net: {
      fetch: (url: string) => {
        fetched.push(url);
        // Electron's net.fetch rejects for a file it cannot read.
        if (url.endsWith('/unreadable.js')) return Promise.reject(new Error('ERR_FILE_NOT_FOUND'));
        return fake.net.fetch(url);
      },
    },
  };
});

const { serveRenderer } = await import('../../electron/main/app-protocol');
const { CONTENT_SECURITY_POLICY } = await import('../../electron/common/security');

let root: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-protocol-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(root, 'a.js'), 'export {};');
  serveRenderer(root);
  handler = protocolFake.handlers.get('losslab')!;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function ask(
  url: string,
  method = 'GET',
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await handler(new Request(url, { method }));
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('losslab:// protocol handler', () => {
  it('serves the app with its CSP (frame-ancestors included) and nosniff', async () => {
    const page = await ask('losslab://app/index.html');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>app</title>');
    expect(page.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it.each([
    ['a lone %', 'losslab://app/%', 400],
    ['a bad escape', 'losslab://app/%zz.js', 400],
    ['overlong UTF-8', 'losslab://app/%c0%ae%c0%ae/etc/passwd', 400],
    ['a NUL', 'losslab://app/a%00b.js', 400],
    ['an encoded way out', 'losslab://app/%2e%2e/%2e%2e/package.json', 404],
    ['another host', 'losslab://evil/index.html', 404],
    ['a missing file', 'losslab://app/missing.js', 404],
    ['a file net.fetch cannot read', 'losslab://app/unreadable.js', 404],
  ])('refuses %s with a one-line answer and nosniff', async (_what, url, status) => {
    const answer = await ask(url);
    expect(answer.status).toBe(status);
    expect(answer.body.trim()).toMatch(new RegExp(`^${status}: [^\\n]+$`));
    expect(answer.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(answer.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const answer = await ask('losslab://app/index.html', 'POST');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it('never reads outside the renderer folder', () => {
    for (const url of fetched) expect(url.startsWith(`file://${root}/`)).toBe(true);
  });
});
