// Another program holding the register: opens it as `desk`, adds one person, says "ready" and
// waits to be ended (by the test, with SIGTERM or SIGKILL).
import { dispatch } from '../../db/api.ts';
import { openRegister } from '../../db/register.ts';

const [dbPath, password] = process.argv.slice(2) as [string, string];
const session = await openRegister({ dbPath, login: 'desk', password });
await dispatch(session.ctx, 'person.add', { fullName: 'Держателева Нина', phone: '8 916 222-33-44', source: 'walk_in' });
process.on('SIGTERM', () => {
  session.close();
  process.exit(0);
});
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
