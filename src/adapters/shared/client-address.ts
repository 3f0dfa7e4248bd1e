/** `::ffff:10.0.0.1` and `10.0.0.1` are the same client; IPv6 hex is compared without case. */
export const normalizeAddress = (address: string): string => (address.startsWith('::ffff:') ? address.slice(7) : address).toLowerCase();
