package org.dtprobed.adopt;

/** An object file the ELF reader refuses: not ELF, or a header or section table that does not hold. */
public final class ElfException extends Exception {
    private static final long serialVersionUID = 1L;

    public ElfException(String message) {
        super(message);
    }
}
