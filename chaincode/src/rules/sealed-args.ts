/**
 * The transient field that carries a submitted transaction's arguments (a JSON array of strings). A submit's
 * arguments are written into every member's blocks, and most of ours name a person (the acting user, the
 * patient); so the gateway sends them in the transient map, which is never written to a block, and leaves
 * only empty strings as the public arguments (Fabric checks their count against the function's signature).
 */
export const SEALED_ARGS = 'args';
