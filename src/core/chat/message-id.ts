/**
 * Message ids on the wire are the database sequence, zero-padded to a fixed width so that they
 * sort the same way as strings and as numbers. Clients treat them as opaque.
 */
const WIDTH = 16;

export const formatMessageId = (dbId: string | number): string => String(dbId).padStart(WIDTH, '0');

/** The database form of a cursor the client sent back (already validated as 1..19 digits). */
export const parseMessageId = (wire: string): string => BigInt(wire).toString();
