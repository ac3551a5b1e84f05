import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from './io.ts';

// Where passwords and recovery codes come from, in this order: stdin lines when --password-stdin
// is given (first the user's own password, then any new password or code the command asks for),
// then the environment, then a prompt on the terminal that echoes nothing. Secrets never come from
// command-line flags: those show up in the process list and in the shell history.

export interface SecretSource {
  stdin: boolean;
  env: NodeJS.ProcessEnv;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  prompt: NodeJS.WritableStream;
}

export const envNames = {
  password: 'PRIVACY_DESK_PASSWORD',
  newPassword: 'PRIVACY_DESK_NEW_PASSWORD',
  recoveryCode: 'PRIVACY_DESK_RECOVERY_CODE',
} as const;

export class Secrets {
  readonly #src: SecretSource;
  #lines: string[] | null = null;

  constructor(src: SecretSource) {
    this.#src = src;
  }

  async #stdinLine(what: string): Promise<string> {
    if (this.#lines === null) {
      let text = '';
      for await (const chunk of this.#src.input) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      this.#lines = text.split(/\r?\n/);
      if (this.#lines.at(-1) === '') this.#lines.pop();
    }
    const line = this.#lines.shift();
    if (line === undefined) throw new UsageError(`на стандартном вводе не хватает строки: ${what}.`);
    return line;
  }

  async #hidden(question: string): Promise<string> {
    if (!this.#src.input.isTTY) {
      throw new UsageError(
        `${question.replace(/:\s*$/, '')} не задан: введите его в терминале, передайте строкой на стандартный ввод с --password-stdin или в переменной окружения.`,
      );
    }
    let muted = false;
    const prompt = this.#src.prompt;
    const output = new Writable({
      write(chunk, encoding, done) {
        if (!muted) prompt.write(chunk, encoding);
        done();
      },
    });
    const rl = createInterface({ input: this.#src.input, output, terminal: true });
    try {
      return await new Promise<string>((resolve, reject) => {
        rl.on('SIGINT', () => reject(new UsageError('ввод прерван', { hint: false })));
        rl.question(question, (answer) => resolve(answer));
        muted = true;
      });
    } finally {
      rl.close();
      prompt.write('\n');
    }
  }

  // The password of the user who runs the command (or of the administrator being created by init).
  async password(login: string): Promise<string> {
    if (this.#src.stdin) return this.#stdinLine(`пароль пользователя ${login}`);
    const fromEnv = this.#src.env[envNames.password];
    if (fromEnv) return fromEnv;
    return this.#hidden(`Пароль пользователя ${login}: `);
  }

  // A password being set: typed twice at the prompt, taken as is from stdin or the environment.
  async newPassword(what: string, envName: string = envNames.newPassword): Promise<string> {
    if (this.#src.stdin) return this.#stdinLine(what);
    const fromEnv = this.#src.env[envName];
    if (fromEnv) return fromEnv;
    const first = await this.#hidden(`${what}: `);
    const second = await this.#hidden('Повторите пароль: ');
    if (first !== second) throw new UsageError('пароли не совпадают.');
    return first;
  }

  async recoveryCode(): Promise<string> {
    if (this.#src.stdin) return this.#stdinLine('код восстановления');
    const fromEnv = this.#src.env[envNames.recoveryCode];
    if (fromEnv) return fromEnv;
    return this.#hidden('Код восстановления: ');
  }
}
