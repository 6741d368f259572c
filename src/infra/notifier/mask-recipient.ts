/**
 * Masks an e-mail address or phone number for logs, where the recipient of a one-time code
 * must stay recognisable to an operator without being written out:
 * "alice@example.com" -> "a***@example.com", "+886912345678" -> "***678".
 */
export function maskRecipient(to: string): string {
  const at = to.lastIndexOf('@');
  if (at > 0) return `${to[0]}***${to.slice(at)}`;
  return to.length > 4 ? `***${to.slice(-3)}` : '***';
}
