package org.dtprobed.dof;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code dof_helper_t}: the 80 bytes a client passes with {@code DTRACEHIOC_ADDDOF}
 * (reference §1.3).
 *
 * @param module      basename of the object that holds the DOF ({@code dofhp_mod})
 * @param loadBase    start of the object's first mapping for ET_DYN objects, else 0 ({@code dofhp_addr})
 * @param dofAddress  address of the DOF in the client ({@code dofhp_dof})
 */
public record DofHelper(String module, long loadBase, long dofAddress) {
    public static final int SIZE = 80;
    public static final int MODULE_SIZE = 64;
    public static final int OFF_MOD = 0;
    public static final int OFF_ADDR = 64;
    public static final int OFF_DOF = 72;

    public DofHelper {
        if (module == null) {
            throw new NullPointerException("module");
        }
    }

    /**
     * Decodes the 80 bytes at the buffer's position. A module name with no NUL inside its 64
     * bytes is refused, since the C side would read past it.
     */
    public static DofHelper decode(ByteBuffer raw) throws DofFormatException {
        if (raw.remaining() < SIZE) {
            throw new DofFormatException(DofRule.HEADER_TRUNCATED,
                    "dof_helper_t needs " + SIZE + " bytes, got " + raw.remaining());
        }
        ByteBuffer b = raw.slice(raw.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int nul = -1;
        for (int i = 0; i < MODULE_SIZE; i++) {
            if (b.get(OFF_MOD + i) == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0) {
            throw new DofFormatException(DofRule.HELPER_MODULE_NOT_TERMINATED, "dofhp_mod");
        }
        byte[] name = new byte[nul];
        b.get(OFF_MOD, name);
        return new DofHelper(new String(name, StandardCharsets.UTF_8), b.getLong(OFF_ADDR), b.getLong(OFF_DOF));
    }

    /** The 80-byte wire form; a module name longer than 63 bytes is cut to fit. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] name = module.getBytes(StandardCharsets.UTF_8);
        b.put(OFF_MOD, name, 0, Math.min(name.length, MODULE_SIZE - 1));
        b.putLong(OFF_ADDR, loadBase);
        b.putLong(OFF_DOF, dofAddress);
        return b.array();
    }
}
