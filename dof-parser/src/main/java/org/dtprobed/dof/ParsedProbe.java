package org.dtprobed.dof;

import java.util.List;

/**
 * One probe of a provider, as decoded and relocated for one registration.
 *
 * @param function        function name ({@code dofpr_func})
 * @param name            probe name ({@code dofpr_name})
 * @param nativeTypes     the {@code nargc} native argument types
 * @param translatedTypes the {@code xargc} translated argument types
 * @param argmap          for translated argument k, the native argument it takes
 * @param offsets         the raw PROFFS entries (u32), in section order
 * @param enabledOffsets  the raw PRENOFFS entries (u32), in section order (empty for version 1)
 * @param storedAddress   {@code dofpr_addr} as stored in the DOF, before relocation
 * @param address         {@code dofpr_addr} after the relocation rule for this load base
 * @param sites           absolute sites: offsets ascending, then (version 3 only) is-enabled ones
 */
public record ParsedProbe(String function, String name, List<String> nativeTypes,
                          List<String> translatedTypes, List<Integer> argmap, List<Long> offsets,
                          List<Long> enabledOffsets, long storedAddress, long address,
                          List<ProbeSite> sites) {
    public ParsedProbe {
        nativeTypes = List.copyOf(nativeTypes);
        translatedTypes = List.copyOf(translatedTypes);
        argmap = List.copyOf(argmap);
        offsets = List.copyOf(offsets);
        enabledOffsets = List.copyOf(enabledOffsets);
        sites = List.copyOf(sites);
    }

    public int nargc() {
        return nativeTypes.size();
    }

    public int xargc() {
        return translatedTypes.size();
    }
}
