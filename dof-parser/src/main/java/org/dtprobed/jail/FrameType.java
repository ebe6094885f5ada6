package org.dtprobed.jail;

import org.dtprobed.dof.wire.ParsedDofCodec;

/** The frame types, with their wire values. */
public enum FrameType {
    /** parent → child: pid, dof_helper_t, DOF ({@link ParseRequest}). */
    PARSE_REQUEST(1),
    /** child → parent, once, after the jail is in force ({@link ChildReady}). */
    READY(16),
    /** child → parent: the {@link org.dtprobed.dof.ParsedDof} ({@link ParsedDofCodec}). */
    PARSED(17),
    /** child → parent: the parser refused the DOF ({@link Rejection}). */
    REJECTED(18),
    /** child → parent: the child failed, not the DOF (out of memory, a parser bug) ({@link ChildFault}). */
    FAULT(19);

    private static final FrameType[] BY_WIRE = table();

    private final int wire;

    FrameType(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }

    /** The type with this wire value, or null. */
    static FrameType fromWire(int wire) {
        return wire >= 0 && wire < BY_WIRE.length ? BY_WIRE[wire] : null;
    }

    private static FrameType[] table() {
        int max = 0;
        for (FrameType t : values()) {
            max = Math.max(max, t.wire);
        }
        FrameType[] table = new FrameType[max + 1];
        for (FrameType t : values()) {
            if (table[t.wire] != null) {
                throw new IllegalStateException("wire value " + t.wire + " used by " + table[t.wire] + " and " + t);
            }
            table[t.wire] = t;
        }
        return table;
    }
}
