package org.dtprobed.probestree;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.ProbeRecord;
import org.dtprobed.stash.ProcessIdentity;
import org.dtprobed.stash.Registration;

/**
 * {@code stash-dump}'s check of the {@code probes/} tree against the stash: for each stashed process
 * that still lives (same start time), the files {@link TreeLayout} derives from its registrations
 * must be there with that content, and no other file of it; nothing in the tree may be a link.
 * Files of processes that are gone are not judged: a running daemon removes them as it learns of
 * the exit, and dtrace skips dead pids. Beside a running daemon the check reads a tree that may
 * change under it; a difference it reports then can be a registration in flight.
 */
public final class ProbesTreeCheck {
    private ProbesTreeCheck() {
    }

    /** The inconsistencies, one line each; none when there is no tree (the daemon ran with it off). */
    public static List<String> problems(Path root, List<Registration> registrations, ProcFs proc) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        Map<Integer, TreeMap<Long, List<ProbeEntry>>> byPid = new HashMap<>();
        Map<Integer, Boolean> alive = new HashMap<>();
        for (Registration r : registrations) {
            int pid = r.key().pid();
            if (r.stale() || !alive.computeIfAbsent(pid, p -> sameLife(proc, p, r.record().process()))) {
                continue;
            }
            byPid.computeIfAbsent(pid, p -> new TreeMap<>()).put(r.key().generation(), entriesOf(r, uidOf(proc, pid)));
        }
        Map<String, byte[]> expected = new TreeMap<>();
        byPid.forEach((pid, regs) -> TreeLayout.files(regs.values())
                .forEach((k, c) -> expected.put(k.relativePath(pid), ProbeFile.encode(c))));
        List<String> problems = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = root.relativize(file).toString();
                byte[] want = expected.remove(rel);
                Integer pid = pidOf(rel);
                if (attrs.isSymbolicLink() || !attrs.isRegularFile()) {
                    problems.add("probes tree: " + rel + " is not a regular file");
                } else if (want != null) {
                    if (!Arrays.equals(want, Files.readAllBytes(file))) {
                        problems.add("probes tree: " + rel + " differs from the stash's registrations");
                    }
                } else if (pid == null || alive.getOrDefault(pid, pidAlive(pid))) {
                    problems.add("probes tree: " + rel + " belongs to no registration of the stash");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        expected.keySet().forEach(rel -> problems.add("probes tree: " + rel + " is missing"));
        problems.sort(Comparator.naturalOrder());
        return problems;
    }

    /** The index's view of a stored registration: what the daemon's tree was written from. */
    private static List<ProbeEntry> entriesOf(Registration r, int uid) {
        var m = r.record().mapping();
        ProbeEntry.Mapping object = new ProbeEntry.Mapping(m.dev(), m.inode(), m.path(), m.start(), 0);
        List<ProbeEntry> out = new ArrayList<>(r.probes().size());
        for (ProbeRecord p : r.probes()) {
            List<ProbeEntry.Site> sites = p.sites().stream().map(s -> new ProbeEntry.Site(s.address(), s.isEnabled())).toList();
            out.add(new ProbeEntry(r.key().pid(), uid, r.key().generation(), p.provider(), p.module(), p.function(),
                    p.name(), sites, p.nativeTypes(), p.translatedTypes(), p.argmap(), object));
        }
        return out;
    }

    private static boolean sameLife(ProcFs proc, int pid, ProcessIdentity stored) {
        try {
            return proc.startTime(pid) == stored.startTime();
        } catch (ProcException e) {
            return false;
        }
    }

    private static int uidOf(ProcFs proc, int pid) {
        try {
            return proc.uid(pid);
        } catch (ProcException e) {
            return -1; // gone since: its files are not judged anyway
        }
    }

    private static boolean pidAlive(int pid) {
        return Files.exists(Path.of("/proc", Integer.toString(pid)));
    }

    private static Integer pidOf(String rel) {
        int slash = rel.indexOf('/');
        String first = slash < 0 ? rel : rel.substring(0, slash);
        try {
            return Integer.valueOf(first);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
