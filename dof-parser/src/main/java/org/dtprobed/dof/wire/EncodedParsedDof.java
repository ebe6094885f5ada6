package org.dtprobed.dof.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.dtprobed.dof.ParsedDof;

/**
 * A {@link ParsedDof} together with its {@link ParsedDofCodec} bytes: decoded from them (a jailed
 * child's PARSED body) or encoded to them. The stash stores these bytes as they came instead of
 * encoding the result again; the codec is canonical (every body it decodes is the encoding of the
 * result), so they are the bytes an encode would give. A class, not a record: the two parts are
 * made only together, from one another.
 */
public final class EncodedParsedDof {
    private final ParsedDof dof;
    private final byte[] body;

    private EncodedParsedDof(ParsedDof dof, byte[] body) {
        this.dof = dof;
        this.body = body;
    }

    /** Decodes (and so validates) a body; the array is kept, not copied: the caller must not change it. */
    public static EncodedParsedDof decode(byte[] body) throws WireFormatException {
        return new EncodedParsedDof(ParsedDofCodec.decode(ByteBuffer.wrap(body)), body);
    }

    public static EncodedParsedDof encode(ParsedDof dof) {
        return new EncodedParsedDof(Objects.requireNonNull(dof, "dof"), ParsedDofCodec.encode(dof));
    }

    public ParsedDof dof() {
        return dof;
    }

    /** The codec bytes, not a copy: read them, never write. */
    public byte[] body() {
        return body;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedParsedDof e && dof.equals(e.dof) && Arrays.equals(body, e.body);
    }

    @Override
    public int hashCode() {
        return dof.hashCode();
    }

    @Override
    public String toString() {
        return "EncodedParsedDof[" + body.length + " bytes, " + dof + "]";
    }
}
