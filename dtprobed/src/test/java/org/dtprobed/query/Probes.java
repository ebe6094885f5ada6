package org.dtprobed.query;

import org.dtprobed.protocol.ProbeEntry;

import java.util.ArrayList;
import java.util.List;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ProbeSite;

/** Builds probe entries for tests. */
public final class Probes {
    static final ProbeEntry.Mapping MAPPING = new ProbeEntry.Mapping(0xfe01, 4242, "/usr/bin/prog", 0x555500000000L, 0);

    private Probes() {
    }

    static ProbeEntry probe(int pid, int uid, long gen, String provider, String module, String function, String name) {
        return new ProbeEntry(pid, uid, gen, provider, module, function, name,
                List.of(new ProbeEntry.Site(0x555500001139L, false), new ProbeEntry.Site(0x555500001150L, true)),
                List.of("int", "char *"), List.of("int", "string"), List.of(0, 1), MAPPING);
    }

    /** One registration: pid, uid, gen and "provider:function:name" triples (module "prog"). */
    public static List<ProbeEntry> registration(int pid, int uid, long gen, String... probes) {
        List<ProbeEntry> out = new ArrayList<>();
        for (String p : probes) {
            String[] f = p.split(":");
            out.add(probe(pid, uid, gen, f[0], "prog", f[1], f[2]));
        }
        return out;
    }

    /**
     * Every probe of one parsed registration at a load base, in provider then probe order, all in
     * one mapping.
     */
    public static List<ProbeEntry> fromParsed(ParsedDof dof, long loadBase, int pid, int uid, long generation,
                                              ProbeEntry.Mapping mapping) {
        List<ProbeEntry> out = new ArrayList<>(dof.probeCount());
        for (ParsedProvider provider : dof.providers()) {
            for (ParsedProbe p : provider.probes()) {
                List<ProbeEntry.Site> sites = new ArrayList<>(p.storedSites().size());
                for (ProbeSite s : p.sitesAt(loadBase)) {
                    sites.add(new ProbeEntry.Site(s.address(), s.isEnabled()));
                }
                out.add(new ProbeEntry(pid, uid, generation, provider.name(), dof.module(), p.function(), p.name(),
                        sites, p.nativeTypes(), p.translatedTypes(), p.argmap(), mapping));
            }
        }
        return out;
    }
}
