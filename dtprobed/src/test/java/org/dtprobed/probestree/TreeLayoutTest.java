package org.dtprobed.probestree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.dtprobed.probestree.ProbesTreeTest.probe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.dtprobed.protocol.ProbeEntry;
import org.junit.jupiter.api.Test;

/** One process's files kept event by event, against the rule written out plainly. */
class TreeLayoutTest {

    @Test
    void ordersOrdinarySitesFirstEachAscendingUnsignedAndOnce() {
        List<ProbeEntry.Site> sites = List.of(new ProbeEntry.Site(0x30, true), new ProbeEntry.Site(-16, false),
                new ProbeEntry.Site(0x20, false), new ProbeEntry.Site(0x10, true), new ProbeEntry.Site(0x20, false));
        ProbeEntry p = probe(7, 1, "prov", "mod", "fn", "name");
        ProbeEntry withSites = new ProbeEntry(p.pid(), p.uid(), p.generation(), p.provider(), p.module(), p.function(),
                p.name(), sites, p.nativeTypes(), p.translatedTypes(), p.argmap(), p.mapping());
        ProbeFile.Content c = TreeLayout.files(List.of(List.of(withSites))).values().iterator().next();
        assertThat(c.sites()).containsExactly(new ProbeEntry.Site(0x20, false), new ProbeEntry.Site(-16, false),
                new ProbeEntry.Site(0x10, true), new ProbeEntry.Site(0x30, true));
    }

    /**
     * An object registered again, kept or its older generation replaced (the FUSE-file route), changes
     * no file and keeps no per-file state; the first registration that makes other files or sites
     * builds that state from all of them.
     */
    @Test
    void anObjectRegisteredAgainChangesNoFileAndItsRemovalNeither() {
        TreeLayout layout = new TreeLayout();
        List<ProbeEntry> reg = List.of(probe(7, 1, "prov", "mod", "fn", "a", 0x10), probe(7, 1, "prov", "mod", "fn", "b", 0x20));
        assertThat(layout.add(1, reg)).hasSize(2);
        for (long g = 2; g < 1_000; g++) {
            assertThat(layout.add(g, reg)).isEmpty();
        }
        for (long g = 999; g > 1; g--) {
            assertThat(layout.remove(g)).isEmpty();
        }
        for (long g = 1_000; g < 1_100; g++) {
            assertThat(layout.add(g, reg)).isEmpty();
            assertThat(layout.remove(g == 1_000 ? 1 : g - 1)).isEmpty();
        }
        assertThat(layout.derivedFromFirst()).isTrue();
        Map<TreeLayout.FileKey, ProbeFile.Content> same = layout.files();
        TreeLayout.FileKey a = new TreeLayout.FileKey("prov", "mod", "fn", "a");
        List<ProbeEntry> moreSites = List.of(probe(7, 1, "prov", "mod", "fn", "a", 0x10, 0x18), reg.get(1));
        assertThat(layout.add(1_100, moreSites)).containsExactly(a);
        assertThat(layout.derivedFromFirst()).isFalse();
        assertThat(layout.remove(1_100)).containsExactly(a);
        assertThat(layout.files()).isEqualTo(same);
        assertThat(layout.remove(1_099)).hasSize(2);
        assertThat(layout.isEmpty()).isTrue();
        assertThat(layout.fileCount()).isZero();
    }

    /**
     * Random registrations and removals in one process (shared files, repeated sites, probes without
     * sites, a name no file can carry, one name twice in a registration): after every step each file
     * is what the rule says of the registrations left, and the step named exactly the files it changed.
     */
    @Test
    void everyStepMatchesTheRuleAndNamesWhatItChanged() {
        everyStepMatchesTheRule(new Random(20261206), 0);
    }

    /** As above, each registration drawn from a few fixed ones: the same probes again come often. */
    @Test
    void everyStepMatchesTheRuleWhenRegistrationsRepeat() {
        everyStepMatchesTheRule(new Random(20261207), 3);
    }

    /** @param pool 0: every registration random; else each one of {@code pool} random registrations */
    private static void everyStepMatchesTheRule(Random random, int pool) {
        for (int round = 0; round < (pool == 0 ? 50 : 20); round++) {
            List<List<ProbeEntry>> fixed = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                fixed.add(registration(random, 0));
            }
            TreeLayout layout = new TreeLayout();
            TreeMap<Long, List<ProbeEntry>> live = new TreeMap<>();
            Map<TreeLayout.FileKey, ProbeFile.Content> before = Map.of();
            long next = 1;
            for (int step = 0; step < 200; step++) {
                Set<TreeLayout.FileKey> changed;
                if (live.isEmpty() || random.nextInt(3) > 0) {
                    long g = next++ + random.nextInt(2); // generations need not be dense
                    next = g + 1;
                    List<ProbeEntry> reg = pool == 0 ? registration(random, g)
                            : fixed.get(random.nextInt(pool)).stream().map(e -> at(e, g)).toList();
                    live.put(g, reg);
                    changed = layout.add(g, reg);
                } else {
                    List<Long> gens = new ArrayList<>(live.keySet());
                    long g = gens.get(random.nextInt(gens.size()));
                    live.remove(g);
                    changed = layout.remove(g);
                }
                Map<TreeLayout.FileKey, ProbeFile.Content> expected = rule(live);
                assertThat(layout.files()).isEqualTo(expected);
                assertThat(layout.fileCount()).isEqualTo(expected.size());
                Set<TreeLayout.FileKey> differ = new HashSet<>(before.keySet());
                differ.addAll(expected.keySet());
                Map<TreeLayout.FileKey, ProbeFile.Content> was = before;
                differ.removeIf(k -> Objects.equals(was.get(k), expected.get(k)));
                assertThat(changed).containsExactlyInAnyOrderElementsOf(differ);
                before = expected;
            }
        }
    }

    private static ProbeEntry at(ProbeEntry e, long g) {
        return new ProbeEntry(e.pid(), e.uid(), g, e.provider(), e.module(), e.function(), e.name(), e.sites(),
                e.nativeTypes(), e.translatedTypes(), e.argmap(), e.mapping());
    }

    private static List<ProbeEntry> registration(Random random, long g) {
        List<ProbeEntry> reg = new ArrayList<>();
        int probes = 1 + random.nextInt(4);
        for (int i = 0; i < probes; i++) {
            String provider = random.nextBoolean() ? "p" : "q";
            String name = random.nextInt(10) == 0 ? "." : "n" + random.nextInt(4);
            long[] sites = new long[random.nextInt(4)]; // none at times: no file
            for (int s = 0; s < sites.length; s++) {
                sites[s] = 0x1000 + 8L * random.nextInt(6);
            }
            reg.add(probe(7, g, provider, "mod", "fn", name, sites));
        }
        return reg;
    }

    /** The rule, plainly: a file's sites are every live registration's, once each; its count, the earliest's. */
    private static Map<TreeLayout.FileKey, ProbeFile.Content> rule(TreeMap<Long, List<ProbeEntry>> live) {
        Map<TreeLayout.FileKey, TreeSet<ProbeEntry.Site>> sites = new LinkedHashMap<>();
        Map<TreeLayout.FileKey, Long> count = new HashMap<>();
        for (List<ProbeEntry> reg : live.values()) {
            Map<String, Set<String>> named = new HashMap<>();
            for (ProbeEntry e : reg) {
                if (!e.sites().isEmpty()) {
                    named.computeIfAbsent(e.provider(), p -> new HashSet<>()).add(e.module() + "/" + e.function() + "/" + e.name());
                }
            }
            for (ProbeEntry e : reg) {
                TreeLayout.FileKey k = new TreeLayout.FileKey(e.provider(), e.module(), e.function(), e.name());
                if (e.sites().isEmpty() || !k.representable()) {
                    continue;
                }
                sites.computeIfAbsent(k, x -> new TreeSet<>(ProbeFile.SITE_ORDER)).addAll(e.sites());
                count.putIfAbsent(k, (long) named.get(e.provider()).size());
            }
        }
        Map<TreeLayout.FileKey, ProbeFile.Content> out = new HashMap<>();
        sites.forEach((k, s) -> out.put(k, new ProbeFile.Content(k.provider(), count.get(k), k.module(), k.function(),
                k.name(), new ArrayList<>(s))));
        return out;
    }
}
