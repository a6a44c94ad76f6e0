/**
 * The most msb reads into memory, per document (docs/sources.md, "Limits"). Anything larger is
 * refused with one line naming it: layers stream, so only these documents are ever held whole.
 */

/** A manifest or index (registries refuse larger ones too). */
export const MAX_MANIFEST = 4 << 20;
/** An image config, or any other small blob (attestation, provenance), or a JSON file in an archive. */
export const MAX_CONFIG = 16 << 20;
/** A registry's error answer (only its error codes are read). */
export const MAX_ERROR_BODY = 64 << 10;
/** A token server's answer. */
export const MAX_TOKEN = 1 << 20;
