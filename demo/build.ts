import { build } from 'esbuild';

export const DEMO_BUNDLE = 'dist/demo/app.js';

/** Bundles the demo page's script (the resumable client and the UI) for browsers; returns its size. */
export async function buildDemo(): Promise<{ bytes: number }> {
  const result = await build({
    entryPoints: ['demo/main.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    outfile: DEMO_BUNDLE,
    metafile: true,
    logLevel: 'warning',
  });
  const output = result.metafile.outputs[DEMO_BUNDLE];
  return { bytes: output?.bytes ?? 0 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bytes } = await buildDemo();
  console.log(`${DEMO_BUNDLE}: ${(bytes / 1024).toFixed(1)} KiB`);
}
