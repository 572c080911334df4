// Bundles the chat view's script (and markdown-it) into one file the webview loads.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/webview/main.ts'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  outfile: 'out/webview/chat.js',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
