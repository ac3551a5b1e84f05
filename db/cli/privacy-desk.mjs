#!/usr/bin/env node
// The `privacy-desk` command. The sources are TypeScript run by Node's own type stripping, which
// needs Node 22.18 or newer; say so plainly rather than fail on the first `.ts` import.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`privacy-desk: нужен Node.js 22.18 или новее (сейчас ${process.versions.node}). Запустите через npx privacy-desk из папки программы.\n`);
  process.exit(1);
}
// Every run strips and compiles the same sources: Node's compile cache (program code only, never
// data) saves a good part of the start-up on a reception PC.
module.enableCompileCache?.();
const { main } = await import('./main.ts');
await main();
