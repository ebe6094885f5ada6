package org.dtprobed.dof;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.dof.write.ProviderSpec;

/** Random but valid DOF descriptions, drawn from a seeded stream so that a failure replays. */
final class RandomDof {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz_0123456789-";
    private static final String[] TYPES = {"int", "char *", "uint64_t", "void *", "struct foo *", "double"};

    final int version;
    final boolean relocations;
    final List<ProviderSpec> providers;

    RandomDof(SplittableRandom r) {
        this.version = 1 + r.nextInt(3);
        this.relocations = r.nextBoolean();
        int n = 1 + r.nextInt(3);
        List<ProviderSpec> ps = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        while (names.size() < n) {
            names.add(name(r, 1 + r.nextInt(20)));
        }
        for (String name : names) {
            List<ProbeSpec> probes = new ArrayList<>();
            int probeCount = 1 + r.nextInt(12); // a provider without probes is invalid DOF
            for (int i = 0; i < probeCount; i++) {
                probes.add(probe(r));
            }
            ps.add(new ProviderSpec(name, ProviderSpec.DEFAULT_ATTRIBUTES, probes));
        }
        this.providers = ps;
    }

    private ProbeSpec probe(SplittableRandom r) {
        ProbeSpec.Builder b = ProbeSpec.builder(name(r, 1 + r.nextInt(40)), name(r, 1 + r.nextInt(30)))
                .address(r.nextBoolean() ? r.nextLong(0, 1L << 32) : r.nextLong());
        int nargs = r.nextInt(6);
        String[] types = new String[nargs];
        for (int i = 0; i < nargs; i++) {
            types[i] = TYPES[r.nextInt(TYPES.length)];
        }
        if (nargs > 0 && r.nextBoolean()) {
            List<Integer> map = new ArrayList<>();
            List<String> xl = new ArrayList<>();
            for (int i = 0, m = 1 + r.nextInt(nargs); i < m; i++) {
                map.add(r.nextInt(nargs));
                xl.add(TYPES[r.nextInt(TYPES.length)]);
            }
            b.nativeTypes(types).translated(xl, map);
        } else {
            b.args(types);
        }
        b.offsets(distinct(r, 1 + r.nextInt(5)));
        if (version > 1 && r.nextInt(3) == 0) {
            b.enabledOffsets(distinct(r, 1 + r.nextInt(3)));
        }
        return b.build();
    }

    private static long[] distinct(SplittableRandom r, int n) {
        Set<Long> s = new LinkedHashSet<>();
        while (s.size() < n) {
            s.add(r.nextLong(0, 1L << 32));
        }
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    private static String name(SplittableRandom r, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    byte[] build() {
        DofWriter w = DofWriter.builder().version(version).relocations(relocations);
        providers.forEach(w::provider);
        return w.build();
    }
}
