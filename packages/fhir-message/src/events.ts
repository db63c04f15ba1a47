/** The codes of ip-message-event (CONTRACT.md). */
export type MessageEvent = 'meldeplikt' | 'meldeplikt-svar' | 'ip-plan-copy' | 'koordinator-handover' | 'epikrise';

export const MESSAGE_EVENTS: readonly MessageEvent[] = Object.freeze([
  'meldeplikt',
  'meldeplikt-svar',
  'ip-plan-copy',
  'koordinator-handover',
  'epikrise',
] as const);

export function isMessageEvent(code: unknown): code is MessageEvent {
  return typeof code === 'string' && (MESSAGE_EVENTS as readonly string[]).includes(code);
}

/** Codes of ip-message-event that IP-bro sends on its own behalf: a receipt may answer one; no one else may send one. */
export type OwnEvent = 'revision-reminder';

export const OWN_EVENTS: readonly OwnEvent[] = Object.freeze(['revision-reminder'] as const);

export function isOwnEvent(code: unknown): code is OwnEvent {
  return typeof code === 'string' && (OWN_EVENTS as readonly string[]).includes(code);
}
