import { CommanderError } from 'commander';
import { environmentError } from '../env-errors.ts';
import { RegisterError } from '../errors.ts';
import { registerAdminCommands } from './commands-admin.ts';
import { registerDeskCommands } from './commands-desk.ts';
import { registerExportCommands } from './commands-exports.ts';
import { registerImportCommands } from './commands-import.ts';
import { registerPackCommands } from './commands-pack.ts';
import { registerPrintCommands } from './commands-print.ts';
import { registerRequestCommands } from './commands-requests.ts';
import { Output, oneLine, processStreams, UsageError } from './io.ts';
import { buildProgram, type CliEnv } from './program.ts';

// Exit codes: 0 success; 1 the register refused or failed (one line on stderr, never a stack);
// 2 the command was called wrongly (unknown command or option, missing argument).
export async function runCli(argv: string[], cli: CliEnv): Promise<number> {
  const program = buildProgram(cli, [
    registerAdminCommands,
    registerDeskCommands,
    registerRequestCommands,
    registerExportCommands,
    registerPackCommands,
    registerPrintCommands,
    registerImportCommands,
  ]);
  const json = argv.includes('--json');
  const out = new Output(json, cli.streams);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      cli.streams.stderr(`privacy-desk: ${oneLine(err.message).replace(/\.$/, '')}.${err.hint ? ' Справка: privacy-desk --help' : ''}\n`);
      return 2;
    }
    // A full disk or a read-only folder met outside an operation (a file the command writes
    // itself) still reads as what it is, not as an internal error.
    const mapped = environmentError(err);
    if (mapped instanceof RegisterError) {
      out.error(mapped.code, mapped.message, mapped.details);
      return 1;
    }
    // Anything else is a fault of the program or the machine (disk full, a damaged file): still
    // one line, without a stack trace that could carry data from the register.
    const e = err as { code?: string; message?: string };
    out.error('internal', `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`);
    return 1;
  }
}

export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    streams: processStreams,
    stdin: process.stdin,
    prompt: process.stderr,
  });
  process.exitCode = code;
}
