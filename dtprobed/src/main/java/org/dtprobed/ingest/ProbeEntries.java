package org.dtprobed.ingest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.ProbeRecord;
import org.dtprobed.stash.Registration;

/**
 * Builds the query index's entries from a stored registration (just committed, or read at start-up). Each probe
 * is placed in the object that holds its first site (libusdt, for one, puts every probe in a page
 * of its own), so that a tracer can turn its sites into file offsets. What registrations of one
 * DOF have in common is held once ({@link SharedProbeParts}).
 */
final class ProbeEntries {
    /** One for all the registration's probes. */
    private final ProbeEntry.Owner owner;
    private final ProcessSnapshot snap;
    private final long fallbackAnchor;
    private final ProbeEntry[] shared;
    private int position;
    private final Map<Long, ProbeEntry.Mapping> objects = new HashMap<>();
    /** One object per distinct mapping: the probes of one object share it. */
    private final Map<ProbeEntry.Mapping, ProbeEntry.Mapping> distinctObjects = new HashMap<>();
    private final List<ProbeEntry> out;

    private ProbeEntries(int pid, int uid, long generation, ProcessSnapshot snap, long fallbackAnchor,
                         boolean adopted, ProbeEntry[] shared) {
        this.owner = new ProbeEntry.Owner(pid, uid, generation, adopted);
        this.snap = snap;
        this.fallbackAnchor = fallbackAnchor;
        this.shared = shared;
        this.out = new ArrayList<>(shared.length);
    }

    /**
     * Entries of a stored registration, the one the commit just stored or one read at start-up:
     * its probe records hold the sites at its load base already.
     */
    static List<ProbeEntry> of(Registration reg, int uid, ProcessSnapshot snap, SharedProbeParts parts) {
        ProbeEntries b = new ProbeEntries(reg.key().pid(), uid, reg.key().generation(), snap,
                reg.record().helper().dofAddress(), reg.record().adopted(),
                parts.of(reg.dofKey(), reg.record().helper().module(), reg.probes().size()));
        b.placeInOrder(reg.probes());
        for (ProbeRecord p : reg.probes()) {
            b.add(p.provider(), p.module(), p.function(), p.name(), p.sites(), p.nativeTypes(), p.translatedTypes(),
                    p.argmap());
        }
        return b.out;
    }

    /**
     * Asks where each probe's anchor lies from the lowest address up: an unmapped anchor tells the
     * address space the hole above it, which then answers the anchors in it without a question
     * (libusdt's probes, a page each, come highest first).
     */
    private void placeInOrder(List<ProbeRecord> probes) {
        long[] anchors = new long[probes.size()];
        for (int i = 0; i < anchors.length; i++) {
            anchors[i] = anchor(probes.get(i).sites()) ^ Long.MIN_VALUE; // signed order of these is unsigned order
        }
        Arrays.sort(anchors);
        for (long a : anchors) {
            object(a ^ Long.MIN_VALUE);
        }
    }

    private long anchor(List<ProbeSite> sites) {
        return sites.isEmpty() ? fallbackAnchor : sites.get(0).address();
    }

    private ProbeEntry.Mapping object(long anchor) {
        return objects.computeIfAbsent(anchor, a -> {
            ProbeEntry.Mapping m = snap.objectAt(a);
            return distinctObjects.computeIfAbsent(m, x -> x);
        });
    }

    private void add(String provider, String module, String function, String name, List<ProbeSite> sites,
                     List<String> nativeTypes, List<String> translatedTypes, List<Integer> argmap) {
        ProbeEntry.Mapping object = object(anchor(sites));
        int at = position++;
        ProbeEntry t = at < shared.length ? shared[at] : null;
        if (t != null && t.provider().equals(provider) && t.module().equals(module) && t.function().equals(function)
                && t.name().equals(name) && t.nativeTypes().equals(nativeTypes)
                && t.translatedTypes().equals(translatedTypes) && t.argmap().equals(argmap)) {
            out.add(new ProbeEntry(owner, t.declaration(), sameSites(t.sites(), sites) ? t.sites() : sites(sites),
                    t.mapping().equals(object) ? t.mapping() : object));
            return;
        }
        ProbeEntry e = new ProbeEntry(owner, new ProbeEntry.Declaration(provider.intern(), module.intern(),
                function.intern(), name.intern(), interned(nativeTypes), interned(translatedTypes), argmap),
                sites(sites), object);
        if (at < shared.length) {
            shared[at] = e;
        }
        out.add(e);
    }

    private static List<ProbeEntry.Site> sites(List<ProbeSite> sites) {
        ProbeEntry.Site[] out = new ProbeEntry.Site[sites.size()];
        for (int i = 0; i < out.length; i++) {
            ProbeSite s = sites.get(i);
            out[i] = new ProbeEntry.Site(s.address(), s.isEnabled());
        }
        return List.of(out);
    }

    private static boolean sameSites(List<ProbeEntry.Site> have, List<ProbeSite> sites) {
        if (have.size() != sites.size()) {
            return false;
        }
        for (int i = 0; i < have.size(); i++) {
            ProbeEntry.Site h = have.get(i);
            ProbeSite s = sites.get(i);
            if (h.address() != s.address() || h.isEnabled() != s.isEnabled()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The index holds every probe of every process, and processes running the same program hold
     * the same names: one copy each (the JVM's string table lets go of them when no probe holds
     * them any more) keeps 200k probes of 10k processes to a fraction of the heap (BENCHMARKS.md).
     */
    private static List<String> interned(List<String> types) {
        if (types.isEmpty()) {
            return List.of();
        }
        String[] out = new String[types.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = types.get(i).intern();
        }
        return List.of(out);
    }
}
