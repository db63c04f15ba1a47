import type { Request } from 'express';
import type { Socket } from 'node:net';
import { isContinueWithheld } from './server-guards';

/** Up to this much of a body still on its way is read and dropped after an answer, to keep the connection. */
const DRAIN_UNREAD_BYTES = 64 * 1024;
/** How long a connection closed under an unread body stays open for the client to read the answer. */
export const LINGER_MS = 500;

/**
 * Whether an answer leaves the request's body unread (refused before it was read: a missing token,
 * a budget spent) with so much of it still to come that the connection should close: large, of
 * unknown length, or never asked for (`100 Continue` withheld). Node would otherwise read all of it
 * to reuse the connection.
 */
export function leavesBodyUnread(req: Request): boolean {
  if (req.complete) return false;
  if (isContinueWithheld(req)) return true;
  const length = req.headers['content-length'];
  return length === undefined ? req.headers['transfer-encoding'] !== undefined : Number(length) > DRAIN_UNREAD_BYTES;
}

/**
 * Closes the connection of an answer that leaves the body unread without reading the rest and without
 * resetting the client before it could read the answer. The body is marked as being read and paused
 * (Node would otherwise read and drop all of it after the answer): once its buffer fills, Node stops
 * reading the socket. Node's close after the last answer (`destroySoon`) becomes a lingering one: FIN
 * after the answer, then the socket is destroyed `ms` later (nothing is read meanwhile, so a client's
 * own close goes unnoticed until then). Destroyed at once with unread bytes, the kernel resets the
 * connection, which can cost a client still writing its body the answer it has not read yet.
 */
export function closeLeavingBodyUnread(req: Request, ms = LINGER_MS): void {
  req.pause();
  req.read(0);
  req.socket.destroySoon = function lingeringClose(this: Socket): void {
    this.end();
    const timer = setTimeout(() => this.destroy(), ms);
    this.once('close', () => clearTimeout(timer));
  };
}
