package org.dtprobed.dof;

import java.util.ArrayList;
import java.util.List;

/**
 * One probe of a provider, as decoded: independent of where the object is loaded. Its absolute
 * address and sites for one registration come from {@link #addressAt} and {@link #sitesAt} with
 * that registration's load base ({@code dofhp_addr}), by the relocation rule of reference §3.5.
 *
 * @param function        function name ({@code dofpr_func})
 * @param name            probe name ({@code dofpr_name})
 * @param nativeTypes     the {@code nargc} native argument types
 * @param translatedTypes the {@code xargc} translated argument types
 * @param argmap          for translated argument k, the native argument it takes
 * @param offsets         the raw PROFFS entries (u32), in section order
 * @param enabledOffsets  the raw PRENOFFS entries (u32), in section order (empty for version 1)
 * @param storedAddress   {@code dofpr_addr} as stored in the DOF, before relocation
 * @param relocated       whether a SETX relocation targets {@code dofpr_addr}
 * @param storedSites     {@code storedAddress} plus each offset: offsets ascending, then (version 3
 *                        only) is-enabled ones; absolute only where no relocation applies
 */
public record ParsedProbe(String function, String name, List<String> nativeTypes,
                          List<String> translatedTypes, List<Integer> argmap, List<Long> offsets,
                          List<Long> enabledOffsets, long storedAddress, boolean relocated,
                          List<ProbeSite> storedSites) {
    public ParsedProbe {
        nativeTypes = List.copyOf(nativeTypes);
        translatedTypes = List.copyOf(translatedTypes);
        argmap = List.copyOf(argmap);
        offsets = List.copyOf(offsets);
        enabledOffsets = List.copyOf(enabledOffsets);
        storedSites = List.copyOf(storedSites);
    }

    public int nargc() {
        return nativeTypes.size();
    }

    public int xargc() {
        return translatedTypes.size();
    }

    /**
     * {@code dofpr_addr} in a process that loaded the object at {@code loadBase}: a relocated value
     * at or below the base gets the base added; one above it is taken as already relocated by the
     * runtime loader (dtprobed's rule, so the same DOF lists the same addresses as there).
     */
    public long addressAt(long loadBase) {
        return relocated && Long.compareUnsigned(storedAddress, loadBase) <= 0 ? storedAddress + loadBase
                : storedAddress;
    }

    /** The absolute sites in a process that loaded the object at {@code loadBase}. */
    public List<ProbeSite> sitesAt(long loadBase) {
        long shift = addressAt(loadBase) - storedAddress;
        if (shift == 0) {
            return storedSites;
        }
        List<ProbeSite> out = new ArrayList<>(storedSites.size());
        for (ProbeSite s : storedSites) {
            out.add(new ProbeSite(s.address() + shift, s.isEnabled()));
        }
        return out;
    }
}
