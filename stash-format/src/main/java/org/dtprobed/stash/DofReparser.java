package org.dtprobed.stash;

import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.ParsedDof;

/**
 * Parses raw DOF again for {@link Stash#rebuildParsed}. The daemon passes its jailed parser child
 * (untrusted input is never parsed in the privileged process); tools and tests may pass
 * {@code (raw, helper, pid) -> new DofParser().parse(ByteBuffer.wrap(raw), helper, pid)}.
 */
@FunctionalInterface
public interface DofReparser {
    ParsedDof parse(byte[] rawDof, DofHelper helper, int pid) throws DofFormatException;
}
