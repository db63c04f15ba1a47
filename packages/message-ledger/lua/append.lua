-- One audit entry on its own (a record of something that is not a ledger write).
-- KEYS[1] the audit trail stream, KEYS[2] the message's own audit stream (may be KEYS[1] when not indexed)
-- ARGV[1] the entry text, ARGV[2] the trail's limits (see appendEntry)
-- Reply: the entry id.
return appendEntry(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
