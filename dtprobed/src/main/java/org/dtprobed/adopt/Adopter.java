package org.dtprobed.adopt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHeaderValidator;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.helper.Caller;
import org.dtprobed.helper.HelperException;
import org.dtprobed.ingest.IngestStats;
import org.dtprobed.ingest.RegistrationPipeline;
import org.dtprobed.proc.AddressSpace;
import org.dtprobed.proc.Mapping;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.FileId;
import org.dtprobed.query.Scope;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashException;
import org.dtprobed.stash.negative.NegativeEntry;
import org.dtprobed.stash.negative.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adopts processes that did not register themselves (started before the daemon, or whose drti
 * constructor found no device): each file-backed executable object of a process that has a
 * {@code .SUNW_dof} section gets the registration its drti constructor would have made (module =
 * basename, load base 0 for ET_EXEC else the start of the object's first mapping, the DOF read from
 * the file's section), through the same registration pipeline as an ADDDOF. Objects without DOF
 * go to the stash's negative cache by dev+inode with size and mtime, so that a rescan (or a
 * restart) takes their verdict from a {@code stat} of the mapping, without opening them.
 *
 * <p>Files are opened through {@code /proc/PID/map_files/}, the process's own view of them (right
 * across mount namespaces, and the very inode mapped even if the path now names another file).
 * Each object is examined at most once per scan, however many processes map it.
 */
public final class Adopter {
    private static final Logger LOG = LoggerFactory.getLogger(Adopter.class);
    private static final long PID = ProcessHandle.current().pid();
    /** Fewer processes than this in a share cost more in hand-off than they save (a process is ~20-50 µs). */
    private static final int MIN_PROCESSES_PER_THREAD = 64;
    /** drti's {@code dofhp_mod} is a 64-byte field, NUL-terminated. */
    private static final int MODULE_BYTES = DofHelper.MODULE_SIZE - 1;

    private final ProcFs proc;
    private final Path procRoot;
    private final Stash stash;
    private final RegistrationPipeline pipeline;
    private final IngestStats stats;
    private final DofHeaderValidator headers;
    private final long maxDofBytes;

    public Adopter(ProcFs proc, Path procRoot, Stash stash, RegistrationPipeline pipeline, IngestStats stats,
                   DofLimits limits) {
        this.proc = proc;
        this.procRoot = procRoot;
        this.stash = stash;
        this.pipeline = pipeline;
        this.stats = stats;
        this.headers = new DofHeaderValidator(limits);
        this.maxDofBytes = limits.maxLoadSize();
    }

    /** What a scan learned of one object file: no DOF (or refused), or its DOF and ELF type. */
    private record Examined(boolean hasDof, int type, long dofAddress, DofHeader header, byte[] dof) {
        static final Examined NOTHING = new Examined(false, 0, 0, null, null);
    }

    /** Counts of one scan, filled as it goes. */
    private static final class Tally {
        int processes;
        int examined;
        int negative;
        int adopted;
        int already;
        int refused;

        /** Both tallies summed (a new one: the stream's identity is shared). */
        Tally add(Tally o) {
            Tally s = new Tally();
            s.processes = processes + o.processes;
            s.examined = examined + o.examined;
            s.negative = negative + o.negative;
            s.adopted = adopted + o.adopted;
            s.already = already + o.already;
            s.refused = refused + o.refused;
            return s;
        }
    }

    /** Scans every process the scope permits (root's: all, without reading each one's uid). */
    public ScanReport scanAll(Scope scope) {
        return scanAll(scope, 1);
    }

    /**
     * As {@link #scanAll(Scope)}, the processes dealt out to {@code threads} shares scanned in
     * parallel (this thread and the common pool's): the start-up scan of a host with 10,000
     * processes is a few hundred ms of {@code /proc} questions, and the daemon is not ready until
     * it ends. Each share keeps its own objects seen, so an object two of them meet may be
     * examined twice (its verdict is the same; a DOF object's adoption is per process).
     */
    public synchronized ScanReport scanAll(Scope scope, int threads) {
        long t0 = System.nanoTime();
        List<Integer> pids = new ArrayList<>();
        try (Stream<Path> s = Files.list(procRoot)) {
            s.map(p -> p.getFileName().toString()).filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Integer::parseInt).filter(p -> p != PID).forEach(pids::add);
        } catch (IOException e) {
            LOG.warn("pid {}: scan: cannot list {}: {}", PID, procRoot, e.getMessage());
        }
        int n = Math.max(1, Math.min(threads, pids.size() / MIN_PROCESSES_PER_THREAD));
        if (n == 1) {
            return report(scan(pids, scope), t0);
        }
        // the common pool's threads and this one: as many as the machine's cores, at most n at once
        Tally all = IntStream.range(0, n).parallel().mapToObj(i -> scan(dealt(pids, i, n), scope))
                .reduce(new Tally(), Tally::add);
        return report(all, t0);
    }

    /** Processes dealt out one by one: pids made together (a fork storm, a pool) fall to every thread. */
    private static List<Integer> dealt(List<Integer> pids, int which, int of) {
        List<Integer> share = new ArrayList<>(pids.size() / of + 1);
        for (int i = which; i < pids.size(); i += of) {
            share.add(pids.get(i));
        }
        return share;
    }

    /** Scans one process, if the scope permits it. */
    public synchronized ScanReport scanPid(int pid, Scope scope) {
        long t0 = System.nanoTime();
        return report(scan(List.of(pid), scope), t0);
    }

    private Tally scan(List<Integer> pids, Scope scope) {
        Tally t = new Tally();
        Map<FileId, Examined> seen = new HashMap<>();
        for (int pid : pids) {
            scanProcess(pid, scope, seen, t);
        }
        return t;
    }

    private static ScanReport report(Tally t, long t0) {
        ScanReport r = new ScanReport(t.processes, t.examined, t.negative, t.adopted, t.already, t.refused,
                System.nanoTime() - t0);
        LOG.info("pid {}: scan of {} processes: {} objects examined, {} from the negative cache, {} adopted,"
                + " {} already registered, {} refused, in {} ms", PID, r.processes(), r.objectsExamined(),
                r.negativeHits(), r.adopted(), r.alreadyRegistered(), r.refused(), r.nanos() / 1_000_000);
        return r;
    }

    private void scanProcess(int pid, Scope scope, Map<FileId, Examined> seen, Tally t) {
        try {
            // root's scan reads a uid only for a process it adopts from (few): one /proc read less per process
            if (!scope.everything() && !scope.permits(proc.uid(pid))) {
                return;
            }
        } catch (ProcException e) {
            return; // gone
        }
        // only the executable file mappings are asked for (PROCMAP_QUERY where the kernel has it):
        // an object's lowest mapping, drti's l_addr, only for an object adopted from
        try (AddressSpace space = proc.addressSpace(pid)) {
            List<Mapping> code = space.executableFileMappings();
            t.processes++;
            for (Map.Entry<FileId, Mapping> o : objects(code).entrySet()) {
                FileId k = o.getKey();
                Mapping m = o.getValue();
                if (registered(pid, k)) {
                    t.already++;
                    continue;
                }
                Examined e = seen.get(k);
                if (e == null) {
                    e = examine(pid, m, t);
                    seen.put(k, e);
                }
                if (e.hasDof()) {
                    adopt(pid, space.firstOf(m), e, t);
                }
            }
        } catch (ProcException e) {
            // gone, or a kernel thread: nothing (more) to adopt
        }
    }

    /** The first executable mapping of each object, in address order. */
    private static Map<FileId, Mapping> objects(List<Mapping> code) {
        Map<FileId, Mapping> first = new LinkedHashMap<>();
        for (Mapping m : code) {
            if (!m.deleted() && m.path().startsWith("/")) {
                first.putIfAbsent(new FileId(m.dev(), m.inode()), m);
            }
        }
        return first;
    }

    private boolean registered(int pid, FileId k) {
        return stash.hasRegistration(pid, k.dev(), k.inode());
    }

    private Examined examine(int pid, Mapping m, Tally t) {
        Path file = m.mapFile(procRoot, pid);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return Examined.NOTHING; // unmapped since, or the process is gone
        }
        long mtime = a.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L
                + a.lastModifiedTime().toInstant().getNano();
        Optional<NegativeEntry> hit = stash.negative().lookup(m.dev(), m.inode(), a.size(), mtime);
        if (hit.isPresent()) {
            t.negative++;
            stats.negativeCacheHit();
            return Examined.NOTHING;
        }
        t.examined++;
        stats.objectExamined();
        try (FileChannel ch = FileChannel.open(file)) {
            ElfSource src = ElfSource.of(ch);
            ElfObject o = ElfReader.read(src);
            if (!o.hasDof()) {
                remember(m, a.size(), mtime, Verdict.NO_DOF, "no " + ElfReader.DOF_SECTION + " section");
                return Examined.NOTHING;
            }
            byte[] section = ElfReader.readDof(src, o, maxDofBytes);
            DofHeader h = headers.validate(ByteBuffer.wrap(section));
            if (h.loadSize() > section.length) {
                throw new ElfException(ElfReader.DOF_SECTION + " of " + section.length + " bytes holds DOF of load size "
                        + h.loadSize());
            }
            byte[] dof = h.loadSize() == section.length ? section : java.util.Arrays.copyOf(section, (int) h.loadSize());
            return new Examined(true, o.type(), o.dofAddress(), h, dof);
        } catch (ElfException | DofFormatException e) {
            t.refused++;
            LOG.warn("pid {}: scan: {} (mapped by pid {}) refused: {}", PID, printable(m.path()), pid, e.getMessage());
            remember(m, a.size(), mtime, e instanceof ElfException ? Verdict.NO_DOF : Verdict.INVALID_DOF,
                    e.getMessage());
            return Examined.NOTHING;
        } catch (NoSuchFileException e) {
            return Examined.NOTHING;
        } catch (IOException e) {
            LOG.warn("pid {}: scan: cannot read {} (mapped by pid {}): {}", PID, printable(m.path()), pid,
                    e.getMessage());
            return Examined.NOTHING;
        }
    }

    private void remember(Mapping m, long size, long mtime, Verdict v, String reason) {
        try {
            stash.negative().record(m.dev(), m.inode(), size, mtime, v, reason, m.path());
        } catch (StashException e) {
            LOG.warn("pid {}: negative cache: cannot remember {}: {}", PID, printable(m.path()), e.getMessage());
        }
    }

    private void adopt(int pid, Mapping first, Examined e, Tally t) {
        int uid;
        try {
            uid = proc.uid(pid);
        } catch (ProcException x) {
            return; // gone since
        }
        boolean exec = e.type() == ElfReader.ET_EXEC;
        long base = exec ? 0 : first.start();
        DofHelper helper = new DofHelper(module(first.path()), base, base + e.dofAddress());
        try {
            // the gid is not read: registration uses the uid (scoping, quota) and nothing of the gid
            long gen = pipeline.adopt(new Caller(pid, pid, uid, uid), helper, e.header(), e.dof());
            t.adopted++;
            LOG.info("pid {}: adopted {} of pid {} as generation {}", PID, printable(helper.module()), pid, gen);
        } catch (HelperException x) {
            t.refused++; // the pipeline logged why
        }
    }

    /** drti's module name: the basename of the object's path, cut to the 63 bytes of dofhp_mod. */
    static String module(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1);
        byte[] b = base.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MODULE_BYTES) {
            return base;
        }
        return new String(b, 0, MODULE_BYTES, StandardCharsets.UTF_8);
    }

    private static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
