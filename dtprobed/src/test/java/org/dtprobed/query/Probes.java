package org.dtprobed.query;

import java.util.ArrayList;
import java.util.List;

/** Builds probe entries for tests. */
final class Probes {
    static final ProbeEntry.Mapping MAPPING = new ProbeEntry.Mapping(0xfe01, 4242, "/usr/bin/prog", 0x555500000000L, 0);

    private Probes() {
    }

    static ProbeEntry probe(int pid, int uid, long gen, String provider, String module, String function, String name) {
        return new ProbeEntry(pid, uid, gen, provider, module, function, name,
                List.of(new ProbeEntry.Site(0x555500001139L, false), new ProbeEntry.Site(0x555500001150L, true)),
                List.of("int", "char *"), List.of("int", "string"), List.of(0, 1), MAPPING);
    }

    /** One registration: pid, uid, gen and "provider:function:name" triples (module "prog"). */
    static List<ProbeEntry> registration(int pid, int uid, long gen, String... probes) {
        List<ProbeEntry> out = new ArrayList<>();
        for (String p : probes) {
            String[] f = p.split(":");
            out.add(probe(pid, uid, gen, f[0], "prog", f[1], f[2]));
        }
        return out;
    }
}
