/**
 * The shape of the ids a shipper gives its lines (shipper/event-id.ts): SHIPPER_ID_PREFIX_CHARS characters of a hash
 * of the host and the file (base64url), shared by every line of one file, then the line's offset in base 36. The
 * collector's embedded store keeps such an id as a code of its prefix and the offset (embedded/event-ids.ts).
 */
/** 16 base64url characters keep 96 bits of the hash. */
export const SHIPPER_ID_PREFIX_CHARS = 16;
