package org.dtprobed.adopt;

/**
 * What the adopter needs of one ELF object: its type, and where its {@code .SUNW_dof} section is.
 *
 * @param type       {@code e_type}: {@link ElfReader#ET_EXEC}, {@link ElfReader#ET_DYN}, …
 * @param dofOffset  file offset of {@code .SUNW_dof}, or -1 when the object has none
 * @param dofSize    its size in bytes (0 when none)
 * @param dofAddress its {@code sh_addr}: the link-time address of {@code __SUNW_dof}
 */
public record ElfObject(int type, long dofOffset, long dofSize, long dofAddress) {
    public boolean hasDof() {
        return dofOffset >= 0;
    }
}
