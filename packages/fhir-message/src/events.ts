/** The codes of ip-message-event (CONTRACT.md). */
export type MessageEvent = 'meldeplikt' | 'ip-plan-copy' | 'koordinator-handover' | 'epikrise';

export const MESSAGE_EVENTS: readonly MessageEvent[] = Object.freeze(['meldeplikt', 'ip-plan-copy', 'koordinator-handover', 'epikrise'] as const);

export function isMessageEvent(code: unknown): code is MessageEvent {
  return typeof code === 'string' && (MESSAGE_EVENTS as readonly string[]).includes(code);
}
