import type { MessageRecord } from './message-record';

/**
 * The BullMQ job id of a ledger key (sender orgnr + ':' + message id). BullMQ refuses ':' in custom
 * ids (it separates key parts), so ':' becomes '_'; '_' and '%' in the key are escaped first so two
 * different keys never share a job id (a shared id would silently drop the second message's job).
 * Keys without '_' or '%' (every FHIR id: [A-Za-z0-9-.]) map exactly as before: sender_id.
 */
export function jobIdFor(key: string): string {
  return key.replace(/%/g, '%25').replace(/_/g, '%5F').replace(/:/g, '_');
}

/**
 * The job id of a message's next time back in `queued` (a re-drive or an operator's retry): its
 * jobIdFor plus how many times it has been queued so far. Everyone who races to queue it again (two
 * sweeping routers, an operator and a router, two clicks) adds the same id, so there is one job;
 * once one of them has moved the message, the next time gets a new id.
 */
export function requeueJobIdFor(record: Pick<MessageRecord, 'key' | 'history'>): string {
  return `${jobIdFor(record.key)}_q${record.history.filter((h) => h.state === 'queued').length}`;
}

/** The ledger key of a job id made by jobIdFor (requeueJobIdFor's suffix aside). */
export function keyForJobId(jobId: string): string {
  return jobId.replace(/_/g, ':').replace(/%5F/g, '_').replace(/%25/g, '%');
}
