package org.dtprobed.dof;

/**
 * One entry of a RELTAB as stored.
 *
 * @param symbol        the symbol name from the relocation's string table ("" when it has none)
 * @param type          {@link DofRelocation#TYPE_NONE} or {@link DofRelocation#TYPE_SETX}
 * @param offset        offset of the 64-bit target within the target section
 * @param targetSection index of the section the relocation patches
 */
public record ParsedRelocation(String symbol, int type, long offset, int targetSection) {
}
