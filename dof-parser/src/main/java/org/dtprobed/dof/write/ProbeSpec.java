package org.dtprobed.dof.write;

import java.util.ArrayList;
import java.util.List;

/**
 * A probe for {@link DofWriter}: what {@code dtrace -G} would emit for one {@code DTRACE_PROBE}
 * with all its sites.
 *
 * @param address         {@code dofpr_addr} as stored (with relocations: the function's link-time
 *                        address, which the parser relocates by the load base)
 * @param argmap          for translated argument k, the native argument it takes
 * @param offsets         site offsets from {@code address}
 * @param enabledOffsets  is-enabled site offsets (DOF version 2 and 3 only)
 */
public record ProbeSpec(String function, String name, long address, List<String> nativeTypes,
                        List<String> translatedTypes, List<Integer> argmap, List<Long> offsets,
                        List<Long> enabledOffsets) {
    public ProbeSpec {
        nativeTypes = List.copyOf(nativeTypes);
        translatedTypes = List.copyOf(translatedTypes);
        argmap = List.copyOf(argmap);
        offsets = List.copyOf(offsets);
        enabledOffsets = List.copyOf(enabledOffsets);
        if (argmap.size() != translatedTypes.size()) {
            throw new IllegalArgumentException("argmap needs one entry per translated type");
        }
        if (nativeTypes.size() > 255 || translatedTypes.size() > 255 || offsets.size() > 0xFFFF
                || enabledOffsets.size() > 0xFFFF) {
            throw new IllegalArgumentException("more arguments or sites than dof_probe_t can count");
        }
    }

    /** Starts a probe with no arguments and no sites. */
    public static Builder builder(String function, String name) {
        return new Builder(function, name);
    }

    /** Fluent construction; {@link #args} sets native and translated types alike, as libusdt does. */
    public static final class Builder {
        private final String function;
        private final String name;
        private long address;
        private List<String> nativeTypes = List.of();
        private List<String> translatedTypes = List.of();
        private List<Integer> argmap = List.of();
        private final List<Long> offsets = new ArrayList<>();
        private final List<Long> enabledOffsets = new ArrayList<>();

        private Builder(String function, String name) {
            this.function = function;
            this.name = name;
        }

        public Builder address(long value) {
            this.address = value;
            return this;
        }

        public Builder args(String... types) {
            this.nativeTypes = List.of(types);
            this.translatedTypes = List.of(types);
            List<Integer> identity = new ArrayList<>(types.length);
            for (int i = 0; i < types.length; i++) {
                identity.add(i);
            }
            this.argmap = identity;
            return this;
        }

        public Builder nativeTypes(String... types) {
            this.nativeTypes = List.of(types);
            return this;
        }

        public Builder translated(List<String> types, List<Integer> map) {
            this.translatedTypes = List.copyOf(types);
            this.argmap = List.copyOf(map);
            return this;
        }

        public Builder offsets(long... values) {
            for (long v : values) {
                offsets.add(v);
            }
            return this;
        }

        public Builder enabledOffsets(long... values) {
            for (long v : values) {
                enabledOffsets.add(v);
            }
            return this;
        }

        public ProbeSpec build() {
            return new ProbeSpec(function, name, address, nativeTypes, translatedTypes, argmap, offsets,
                    enabledOffsets);
        }
    }
}
