// Runs after `npm install`. Electron's own install script (which downloads the runtime from the
// Electron release server) is not in package.json's allowScripts, so a machine that cannot reach
// that server still installs cleanly. Here we try the download ourselves and, if it fails, say so in
// one line and carry on: `npm start` then serves the same app in browser mode.
import { spawnSync } from 'node:child_process';
import { electronRuntime } from '../electron/runtime.ts';

if (electronRuntime()) {
  process.exit(0);
}
const r = spawnSync(process.execPath, ['node_modules/electron/install.js'], { encoding: 'utf8', timeout: 180_000 });
if (r.status === 0 && electronRuntime()) {
  console.log('Privacy Desk: среда Electron загружена.');
} else {
  console.log('Privacy Desk: среду Electron загрузить не удалось (нет доступа к серверу загрузки). Программа будет работать в браузерном режиме; повторить загрузку: npm run fetch-electron (можно через зеркало: ELECTRON_MIRROR=<адрес> npm run fetch-electron)');
}
