/**
 * The BullMQ job id of a ledger key (sender orgnr + ':' + message id). BullMQ refuses ':' in custom
 * ids (it separates key parts), so ':' becomes '_'; '_' and '%' in the key are escaped first so two
 * different keys never share a job id (a shared id would silently drop the second message's job).
 * Keys without '_' or '%' (every FHIR id: [A-Za-z0-9-.]) map exactly as before: sender_id.
 */
export function jobIdFor(key: string): string {
  return key.replace(/%/g, '%25').replace(/_/g, '%5F').replace(/:/g, '_');
}

/** The ledger key of a job id made by jobIdFor (re-drive suffixes such as `_r<time>` aside). */
export function keyForJobId(jobId: string): string {
  return jobId.replace(/_/g, ':').replace(/%5F/g, '_').replace(/%25/g, '%');
}
