import { PendingTimers } from './pending-timers';

test('a timer runs once, after its time; clear() cancels those not yet run', async () => {
  const timers = new PendingTimers();
  const ran: string[] = [];
  timers.later(10, () => ran.push('soon'));
  timers.later(200, () => ran.push('late'));
  await new Promise((r) => setTimeout(r, 50));
  timers.clear();
  await new Promise((r) => setTimeout(r, 250));
  expect(ran).toEqual(['soon']);
});
