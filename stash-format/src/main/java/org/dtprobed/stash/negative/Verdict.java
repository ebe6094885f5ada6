package org.dtprobed.stash.negative;

/** Why an object file is in the negative cache; the wire value is stored. */
public enum Verdict {
    /** The file has no DOF section. */
    NO_DOF(1),
    /** It has DOF, but the DOF declares no probes. */
    NO_PROBES(2),
    /** Its DOF is invalid; the entry's reason says why. */
    INVALID_DOF(3);

    private final int wire;

    Verdict(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }

    static Verdict fromWire(int w) {
        for (Verdict v : values()) {
            if (v.wire == w) {
                return v;
            }
        }
        return null;
    }
}
