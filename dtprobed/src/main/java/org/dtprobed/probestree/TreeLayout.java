package org.dtprobed.probestree;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.dtprobed.protocol.ProbeEntry;

/**
 * Which files a process's registrations make in {@code probes/}, and what each holds: the one rule
 * the daemon writes by and {@code stash-dump} checks by.
 *
 * <p>A file is {@code PID/PROVIDERPID/MODULE/FUNCTION/NAME}. Two registrations of one process can
 * name the same file (one object registered twice, two objects of one basename): it then holds the
 * sites of both, once each, so dtrace arms every one, and it stays until the last of them goes. Its
 * PROVIDER record counts the provider's probes in the earliest registration that contributes.
 *
 * <p>An instance is one process's files, kept as its registrations come and go. From its second
 * registration on, each file keeps a count of every site and the contributing registrations in
 * generation order, so a registration costs the files it names, not the process's other
 * registrations: a process that registers one object thousands of times (a lost REMOVE in a loop)
 * pays the same per event as one that registered it once. A process with one registration, most
 * of them, keeps no such state: its files are derived from it when asked (memory: 10,000 processes
 * of 20 probes held ~128 MiB more with per-file state for all). Nor does a process whose
 * registrations all make the same files with the same sites (one object registered again, its
 * older generation replaced): their files are the first one's, so such a registration coming or
 * going costs a comparison of its probes, no state and no write.
 */
public final class TreeLayout {
    private final NavigableMap<Long, List<ProbeEntry>> registrations = new TreeMap<>();
    /**
     * Each file's state, from the process's first registration that makes other files or sites
     * than its first; null before: a process with one registration (most of them), or with
     * registrations that all make the first one's files, has its files derived from the first.
     */
    private Map<FileKey, FileState> files;
    /** The file count of the lone registration, while {@link #files} is null. */
    private int loneFiles;

    /** One file of one process. */
    public record FileKey(String provider, String module, String function, String name) {
        // equals and hashCode written out: a record's are bootstrapped through method handles
        // (classes spun at the first call), and a restart with 10,000 processes makes 200,000 keys
        // before the JIT has compiled them
        @Override
        public boolean equals(Object o) {
            return o instanceof FileKey k && k.provider.equals(provider) && k.module.equals(module)
                    && k.function.equals(function) && k.name.equals(name);
        }

        @Override
        public int hashCode() {
            int h = 31 * provider.hashCode() + module.hashCode();
            h = 31 * h + function.hashCode();
            return 31 * h + name.hashCode();
        }

        /** The path under {@code probes/}: {@code pid}, {@code provider+pid}, module, function; then {@link #name}. */
        public String[] directories(int pid) {
            return new String[] {Integer.toString(pid), provider + pid, module, function};
        }

        public String relativePath(int pid) {
            return String.join("/", directories(pid)) + "/" + name;
        }

        /** The file's place with the pid left out (NUL-separated: no name holds one): equal in processes of one program. */
        String withoutPid() {
            return provider + '\0' + module + '\0' + function + '\0' + name;
        }

        /**
         * Whether every part is one directory entry. The parser already refuses other names; this
         * also holds for registrations of stashes written before it did.
         */
        public boolean representable() {
            return component(provider) && component(module) && component(function) && component(name);
        }

        private static boolean component(String s) {
            return !s.isEmpty() && !s.equals(".") && !s.equals("..") && s.indexOf('/') < 0 && s.indexOf('\0') < 0
                    && s.length() <= 255;
        }
    }

    /** What one file is made of: how many probes hold each site, and each contributor's provider count. */
    private static final class FileState {
        final TreeMap<ProbeEntry.Site, Integer> sites = new TreeMap<>(ProbeFile.SITE_ORDER);
        /** generation of a contributing registration → its provider's probe count (and how often it contributes). */
        final TreeMap<Long, long[]> contributors = new TreeMap<>();

        long providerProbes() {
            return contributors.firstEntry().getValue()[0];
        }
    }

    /** The files of a set of registrations (each its probes, earliest generation first), in first-seen order. */
    public static Map<FileKey, ProbeFile.Content> files(Collection<List<ProbeEntry>> registrations) {
        TreeLayout layout = new TreeLayout();
        long generation = 0;
        for (List<ProbeEntry> reg : registrations) {
            layout.add(generation++, reg);
        }
        return layout.files();
    }

    public boolean isEmpty() {
        return registrations.isEmpty();
    }

    /**
     * Adds a registration.
     *
     * @return the files whose content it changed (new files included); a registration of what the
     *     process already registered (an object registered again) changes none
     */
    public Set<FileKey> add(long generation, List<ProbeEntry> probes) {
        if (registrations.putIfAbsent(generation, probes) != null) {
            throw new IllegalStateException("generation " + generation + " is registered already");
        }
        if (files == null) {
            if (registrations.size() == 1) {
                Set<FileKey> keys = keysOf(probes); // the first: every file it makes is new
                loneFiles = keys.size();
                return keys;
            }
            List<ProbeEntry> first = registrations.firstEntry().getValue();
            if (sameFiles(first, probes)) {
                return Set.of(); // the first one's files, with the same sites: nothing changes
            }
            files = new LinkedHashMap<>();
            registrations.forEach((g, p) -> {
                if (g != generation) {
                    addStates(g, p); // the ones before, as the files are now
                }
            });
        }
        return addStates(generation, probes);
    }

    /**
     * Whether two registrations make the same files with the same sites and provider counts: the
     * same probes in the same order (the same DOF at the same place gives the same list; any other
     * order is taken as different, which costs the per-file state, never a wrong file).
     */
    private static boolean sameFiles(List<ProbeEntry> a, List<ProbeEntry> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            ProbeEntry x = a.get(i);
            ProbeEntry y = b.get(i);
            if (!x.provider().equals(y.provider()) || !x.module().equals(y.module())
                    || !x.function().equals(y.function()) || !x.name().equals(y.name())
                    || !x.sites().equals(y.sites())) {
                return false;
            }
        }
        return true;
    }

    private Set<FileKey> addStates(long generation, List<ProbeEntry> probes) {
        Set<FileKey> changed = new LinkedHashSet<>();
        Map<String, Long> perProvider = probesPerProvider(probes);
        for (ProbeEntry e : probes) {
            FileKey k = fileOf(e);
            if (k == null) {
                continue;
            }
            FileState f = files.computeIfAbsent(k, x -> new FileState());
            Long was = f.contributors.isEmpty() ? null : f.providerProbes();
            int distinct = f.sites.size();
            f.contributors.computeIfAbsent(generation, g -> new long[] {perProvider.get(k.provider()), 0})[1]++;
            for (ProbeEntry.Site s : e.sites()) {
                f.sites.merge(s, 1, Integer::sum);
            }
            if (was == null || was != f.providerProbes() || distinct != f.sites.size()) {
                changed.add(k);
            }
        }
        return changed;
    }

    /**
     * Removes a registration.
     *
     * @return the files whose content it changed; a file of the result without {@link #content} is gone
     */
    public Set<FileKey> remove(long generation) {
        List<ProbeEntry> probes = registrations.remove(generation);
        if (probes == null) {
            return Set.of();
        }
        if (files == null) {
            if (!registrations.isEmpty()) {
                return Set.of(); // the others make the same files
            }
            loneFiles = 0;
            return keysOf(probes); // the last one: every file it made goes
        }
        Set<FileKey> changed = new LinkedHashSet<>();
        for (ProbeEntry e : probes) {
            FileKey k = fileOf(e);
            if (k == null) {
                continue;
            }
            FileState f = files.get(k);
            long was = f.providerProbes();
            int distinct = f.sites.size();
            for (ProbeEntry.Site s : e.sites()) {
                f.sites.computeIfPresent(s, (x, n) -> n == 1 ? null : n - 1);
            }
            long[] c = f.contributors.get(generation);
            if (--c[1] == 0) {
                f.contributors.remove(generation);
            }
            if (f.contributors.isEmpty()) {
                files.remove(k);
                changed.add(k);
            } else if (was != f.providerProbes() || distinct != f.sites.size()) {
                changed.add(k);
            }
        }
        return changed;
    }

    /** A file's content, or null when no registration makes it. */
    public ProbeFile.Content content(FileKey k) {
        if (files == null) {
            return registrations.isEmpty() ? null : derived(registrations.firstEntry().getValue(), k).get(k);
        }
        FileState f = files.get(k);
        return f == null ? null : new ProbeFile.Content(k.provider(), f.providerProbes(), k.module(), k.function(),
                k.name(), new ArrayList<>(f.sites.keySet()));
    }

    /** Every file, in first-seen order. */
    public Map<FileKey, ProbeFile.Content> files() {
        if (files == null) {
            return registrations.isEmpty() ? Map.of() : derived(registrations.firstEntry().getValue(), null);
        }
        Map<FileKey, ProbeFile.Content> out = new LinkedHashMap<>();
        files.keySet().forEach(k -> out.put(k, content(k)));
        return out;
    }

    /**
     * Whether every registration makes the first one's files with the same probes (no per-file
     * state): a registration added then was the first one's probes again, warned about already.
     */
    boolean derivedFromFirst() {
        return files == null;
    }

    public int fileCount() {
        return files == null ? loneFiles : files.size();
    }

    /** The files of a lone registration (or only {@code only}'s, when given), in first-seen order. */
    private static Map<FileKey, ProbeFile.Content> derived(List<ProbeEntry> probes, FileKey only) {
        Map<FileKey, java.util.TreeSet<ProbeEntry.Site>> sites = new LinkedHashMap<>();
        for (ProbeEntry e : probes) {
            FileKey k = fileOf(e);
            if (k != null && (only == null || only.equals(k))) {
                sites.computeIfAbsent(k, x -> new java.util.TreeSet<>(ProbeFile.SITE_ORDER)).addAll(e.sites());
            }
        }
        Map<String, Long> perProvider = sites.isEmpty() ? Map.of() : probesPerProvider(probes);
        Map<FileKey, ProbeFile.Content> out = new LinkedHashMap<>();
        sites.forEach((k, s) -> out.put(k, new ProbeFile.Content(k.provider(), perProvider.get(k.provider()), k.module(),
                k.function(), k.name(), new ArrayList<>(s))));
        return out;
    }

    /** The files of one registration (probes with sites, names a file can carry). */
    static Set<FileKey> keysOf(List<ProbeEntry> registration) {
        Set<FileKey> out = new LinkedHashSet<>();
        for (ProbeEntry e : registration) {
            FileKey k = fileOf(e);
            if (k != null) {
                out.add(k);
            }
        }
        return out;
    }

    /** The file a probe makes, or null when it makes none (no site: dtrace could not arm it; a name no file can carry). */
    static FileKey fileOf(ProbeEntry e) {
        return makesFile(e) ? nameOf(e) : null;
    }

    /** How many of a registration's probes make no file (no site: dtrace could not arm it; a name no file can carry). */
    static int withoutFile(List<ProbeEntry> registration) {
        int n = 0;
        for (ProbeEntry e : registration) {
            n += makesFile(e) ? 0 : 1;
        }
        return n;
    }

    private static boolean makesFile(ProbeEntry e) {
        return !e.sites().isEmpty() && FileKey.component(e.provider()) && FileKey.component(e.module())
                && FileKey.component(e.function()) && FileKey.component(e.name());
    }

    private static FileKey nameOf(ProbeEntry e) {
        return new FileKey(e.provider(), e.module(), e.function(), e.name());
    }

    private static Map<String, Long> probesPerProvider(List<ProbeEntry> reg) {
        Map<String, Set<FileKey>> distinct = new HashMap<>();
        for (ProbeEntry e : reg) {
            if (!e.sites().isEmpty()) {
                distinct.computeIfAbsent(e.provider(), p -> new HashSet<>()).add(nameOf(e));
            }
        }
        Map<String, Long> out = new HashMap<>();
        distinct.forEach((p, keys) -> out.put(p, (long) keys.size()));
        return out;
    }
}
