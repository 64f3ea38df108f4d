import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

const PAGE = new URL('../../demo/index.html', import.meta.url);
/** Built by `npm run build:demo` (also before `npm start` and `npm test`). */
const BUNDLE = new URL('../../dist/demo/app.js', import.meta.url);

const FILES: Record<string, { file: URL; type: string }> = {
  '/': { file: PAGE, type: 'text/html; charset=utf-8' },
  '/demo': { file: PAGE, type: 'text/html; charset=utf-8' },
  '/demo/app.js': { file: BUNDLE, type: 'text/javascript; charset=utf-8' },
};

/** Serves the demo chat page at / and /demo; false for any other path. */
export function serveDemoPage(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const route = FILES[new URL(req.url ?? '/', 'http://localhost').pathname];
  if (!route) return false;
  readFile(route.file).then(
    (body) => {
      res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-cache' }).end(body);
    },
    () => {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('The demo page is not built: run `npm run build:demo`.');
    },
  );
  return true;
}
