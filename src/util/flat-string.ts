/**
 * The same string, flattened: V8 keeps a string built by concatenation (randomUUID's, for
 * one) as a rope of its pieces, ~490 B for a UUID instead of ~60, until something reads
 * its characters. Worth it for strings kept per connection.
 */
export function flatString(value: string): string {
  value.charCodeAt(0);
  return value;
}
