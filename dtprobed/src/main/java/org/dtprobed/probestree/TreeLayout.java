package org.dtprobed.probestree;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dtprobed.protocol.ProbeEntry;

/**
 * Which files a process's registrations make in {@code probes/}, and what each holds: the one rule
 * the daemon writes by and {@code stash-dump} checks by.
 *
 * <p>A file is {@code PID/PROVIDERPID/MODULE/FUNCTION/NAME}. Two registrations of one process can
 * name the same file (one object registered twice, two objects of one basename): it then holds the
 * sites of both, so dtrace arms every one, and it stays until the last of them goes. Its PROVIDER
 * record counts the provider's probes in the earliest registration that contributes.
 */
public final class TreeLayout {
    private TreeLayout() {
    }

    /** One file of one process. */
    public record FileKey(String provider, String module, String function, String name) {
        /** The path under {@code probes/}: {@code pid}, {@code provider+pid}, module, function; then {@link #name}. */
        public String[] directories(int pid) {
            return new String[] {Integer.toString(pid), provider + pid, module, function};
        }

        public String relativePath(int pid) {
            return String.join("/", directories(pid)) + "/" + name;
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

    static FileKey keyOf(ProbeEntry e) {
        return new FileKey(e.provider(), e.module(), e.function(), e.name());
    }

    /**
     * The files of one process.
     *
     * @param registrations the process's registrations, each its probes, earliest generation first
     * @param only          the files wanted, or null for all
     * @return each file's content, in first-seen order; a key of {@code only} that no registration
     *     has sites for is absent (its file must go)
     */
    public static Map<FileKey, ProbeFile.Content> files(Collection<List<ProbeEntry>> registrations, Set<FileKey> only) {
        Map<FileKey, List<ProbeEntry.Site>> sites = new LinkedHashMap<>();
        Map<FileKey, Long> providerProbes = new HashMap<>();
        for (List<ProbeEntry> reg : registrations) {
            Map<String, Long> perProvider = null;
            for (ProbeEntry e : reg) {
                if (e.sites().isEmpty()) {
                    continue;
                }
                FileKey k = keyOf(e);
                if ((only != null && !only.contains(k)) || !k.representable()) {
                    continue;
                }
                sites.computeIfAbsent(k, x -> new ArrayList<>()).addAll(e.sites());
                if (!providerProbes.containsKey(k)) {
                    if (perProvider == null) {
                        perProvider = probesPerProvider(reg);
                    }
                    providerProbes.put(k, perProvider.get(k.provider()));
                }
            }
        }
        Map<FileKey, ProbeFile.Content> out = new LinkedHashMap<>();
        sites.forEach((k, s) -> out.put(k, new ProbeFile.Content(k.provider(), providerProbes.get(k), k.module(),
                k.function(), k.name(), ProbeFile.ordered(s))));
        return out;
    }

    /** The files of one registration that exist on their own (probes with sites, names a file can carry). */
    static Set<FileKey> keysOf(List<ProbeEntry> registration) {
        Set<FileKey> out = new java.util.LinkedHashSet<>();
        for (ProbeEntry e : registration) {
            FileKey k = keyOf(e);
            if (!e.sites().isEmpty() && k.representable()) {
                out.add(k);
            }
        }
        return out;
    }

    private static Map<String, Long> probesPerProvider(List<ProbeEntry> reg) {
        Map<String, Set<FileKey>> distinct = new HashMap<>();
        for (ProbeEntry e : reg) {
            if (!e.sites().isEmpty()) {
                distinct.computeIfAbsent(e.provider(), p -> new java.util.HashSet<>()).add(keyOf(e));
            }
        }
        Map<String, Long> out = new HashMap<>();
        distinct.forEach((p, keys) -> out.put(p, (long) keys.size()));
        return out;
    }
}
